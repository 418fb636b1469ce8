import type { ProxyProtocol } from './types.js';

/** What one server line meant for the commands in flight. */
export interface ServerLineOutcome {
  /** Sequence numbers (from `command()`) whose responses ended with this line. */
  completed: number[];
  /** The server accepted STARTTLS/STLS: everything after this line is ciphertext. */
  tlsStarts: boolean;
}

// RFC 1939 §3: these answer +OK with a multi-line body ended by a lone ".";
// LIST and UIDL do so only without an argument (RFC 1939 §5), CAPA per RFC 2449 §5.
const POP3_MULTILINE = /^(CAPA|RETR|TOP)\b|^(LIST|UIDL)\s*$/i;

interface Pop3Pending {
  seq: number;
  multiline: boolean;
  stls: boolean;
}

/**
 * Pairs client commands with the server line that ends their response, simply:
 * IMAP by tag (RFC 9051 §2.2.2: the tagged OK/NO/BAD ends a command), POP3 by order
 * (RFC 1939 §3: one status line, or a dot-terminated body for the multi-line commands;
 * RFC 2449 PIPELINING keeps responses in command order). SASL exchanges and IMAP
 * continuation data are not told apart from commands.
 */
export class ResponseTracker {
  private seq = 0;
  private readonly imapTags = new Map<string, { seq: number; starttls: boolean }>();
  private readonly pop3Queue: Pop3Pending[] = [];
  private pop3InBody = false;
  private readonly early: Array<{ seq: number; line: string }> = [];
  private greeted = false;

  constructor(public protocol: ProxyProtocol | undefined) {}

  /** Registers one client command line and returns its sequence number (from 1). */
  command(line: string): number {
    this.seq += 1;
    this.register(this.seq, line);
    return this.seq;
  }

  serverLine(text: string): ServerLineOutcome {
    const greeting = !this.greeted;
    if (greeting) {
      this.greeted = true;
      this.protocol ??= detectProtocol(text);
      // A client may send before the greeting has passed; pair those commands now.
      for (const early of this.early.splice(0)) this.register(early.seq, early.line);
    }
    if (this.protocol === 'imap') return this.imapLine(text);
    if (this.protocol === 'pop3' && !greeting) return this.pop3Line(text);
    return { completed: [], tlsStarts: false };
  }

  private register(seq: number, line: string): void {
    if (!this.greeted && this.protocol !== 'imap') {
      this.early.push({ seq, line });
    } else if (this.protocol === 'imap') {
      const [tag = '', verb = ''] = line.split(' ', 2);
      if (tag !== '' && tag !== '*' && tag !== '+') {
        this.imapTags.set(tag, { seq, starttls: /^STARTTLS$/i.test(verb) });
      }
    } else if (this.protocol === 'pop3') {
      const text = line.trim();
      this.pop3Queue.push({
        seq,
        multiline: POP3_MULTILINE.test(text),
        stls: /^STLS$/i.test(text),
      });
    }
  }

  private imapLine(text: string): ServerLineOutcome {
    const tagged = /^(\S+) (OK|NO|BAD)\b/i.exec(text);
    const pending = tagged ? this.imapTags.get(tagged[1]!) : undefined;
    if (!tagged || !pending) return { completed: [], tlsStarts: false };
    this.imapTags.delete(tagged[1]!);
    const ok = tagged[2]!.toUpperCase() === 'OK';
    return { completed: [pending.seq], tlsStarts: pending.starttls && ok };
  }

  private pop3Line(text: string): ServerLineOutcome {
    const none = { completed: [], tlsStarts: false };
    if (this.pop3InBody) {
      if (text !== '.') return none;
      this.pop3InBody = false;
      return { completed: [this.pop3Queue.shift()!.seq], tlsStarts: false };
    }
    const ok = text.startsWith('+OK');
    if (!ok && !text.startsWith('-ERR')) return none;
    const head = this.pop3Queue[0];
    if (!head) return none;
    if (ok && head.multiline) {
      this.pop3InBody = true;
      return none;
    }
    this.pop3Queue.shift();
    return { completed: [head.seq], tlsStarts: ok && head.stls };
  }
}

function detectProtocol(greeting: string): ProxyProtocol | undefined {
  if (greeting.startsWith('* ')) return 'imap';
  if (greeting.startsWith('+OK') || greeting.startsWith('-ERR')) return 'pop3';
  return undefined;
}
