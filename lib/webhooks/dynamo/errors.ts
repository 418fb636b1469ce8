import { WebhookStoreError } from '../local-store/errors.js';

/** A commit or enqueue holding something no DynamoDB item can hold; nothing of it was written. */
export class WebhookCommitTooLargeError extends WebhookStoreError {
  constructor(detail: string) {
    super(detail);
    this.name = 'WebhookCommitTooLargeError';
  }
}

/** A change kept losing its conditional write to concurrent changes of the same webhook; nothing of it was made. */
export class WebhookStoreContentionError extends WebhookStoreError {
  constructor(detail: string) {
    super(detail);
    this.name = 'WebhookStoreContentionError';
  }
}

export { WebhookStoreError };
