/**
 * RFC 2449 §5: a CAPA body is one capability per line, a tag followed by
 * optional space-separated arguments ("SASL PLAIN LOGIN", "LOGIN-DELAY 900").
 */
export class Pop3Capabilities {
  private readonly entries: Map<string, string[]>;

  constructor(entries: Map<string, string[]> = new Map()) {
    this.entries = entries;
  }

  has(tag: string): boolean {
    return this.entries.has(tag.toUpperCase());
  }

  args(tag: string): string[] {
    return this.entries.get(tag.toUpperCase()) ?? [];
  }

  /** SASL mechanisms in upper case. */
  get saslMechanisms(): string[] {
    return this.args('SASL').map((mechanism) => mechanism.toUpperCase());
  }

  /** The LOGIN-DELAY in seconds, when advertised (RFC 2449 §6.5). */
  get loginDelay(): number | null {
    const value = Number(this.args('LOGIN-DELAY')[0]);
    return Number.isInteger(value) && value >= 0 ? value : null;
  }

  /** Tags as the server listed them, for probe output (IMPLEMENTATION's free text left out). */
  get tags(): string[] {
    return [...this.entries.keys()];
  }
}

export function parseCapa(body: Buffer): Pop3Capabilities {
  const entries = new Map<string, string[]>();
  for (const line of body.toString('latin1').split('\r\n')) {
    const words = line.trim().split(/\s+/);
    const tag = words[0];
    if (!tag) continue;
    entries.set(tag.toUpperCase(), words.slice(1));
  }
  return new Pop3Capabilities(entries);
}
