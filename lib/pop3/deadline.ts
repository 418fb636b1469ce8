/** One restartable timer: the deadline of the response being awaited. */
export class Deadline {
  private timer: NodeJS.Timeout | null = null;

  get armed(): boolean {
    return this.timer !== null;
  }

  /** (Re)starts the countdown; `onExpire` runs once unless cleared or re-armed first. */
  arm(ms: number, onExpire: () => void): void {
    this.clear();
    this.timer = setTimeout(() => {
      this.timer = null;
      onExpire();
    }, ms);
  }

  clear(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
