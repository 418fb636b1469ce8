import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The one-shot web server a native app receives the authorization response
 * on (RFC 8252 §7.3): bound to 127.0.0.1 only, on a port the system picks,
 * answering the first request to `/callback` and then closing.
 */
export interface LoopbackReceiver {
  /** `http://127.0.0.1:<port>/callback` */
  readonly redirectUri: string;
  /**
   * The full URL of the first request to `/callback`.
   * @throws the signal's reason when it aborts first.
   */
  callback(signal: AbortSignal): Promise<URL>;
  /** Answers the browser waiting on the callback with a page saying how it went, then closes. */
  finish(outcome: { ok: true } | { ok: false; error: string }): Promise<void>;
  /** Closes the server and every connection; answers a waiting browser with a failure page. Idempotent. */
  close(): Promise<void>;
}

const CALLBACK_PATH = '/callback';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function page(title: string, text: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>
<body style="font-family: system-ui, sans-serif; margin: 4em auto; max-width: 36em">
<h1>${title}</h1><p>${text}</p></body></html>\n`;
}

function send(response: ServerResponse, status: number, html: string, onSent?: () => void): void {
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
    // The address bar holds the authorization code: nothing on the page may send it on.
    'referrer-policy': 'no-referrer',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    connection: 'close',
  });
  response.end(html, onSent);
}

/**
 * Starts the receiver on 127.0.0.1 (never 0.0.0.0 or localhost, which may
 * resolve elsewhere). With `state`, a callback carrying another state is
 * answered 400 and not taken: another local process or a page guessing the
 * port cannot end the sign-in it did not start, and the real redirect still
 * gets through.
 */
export async function startLoopbackReceiver(options: { state?: string } = {}): Promise<LoopbackReceiver> {
  let waiting: ServerResponse | undefined;
  let received: URL | undefined;
  let deliver: ((url: URL) => void) | undefined;
  let closed: Promise<void> | undefined;
  let port = 0;

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', `http://127.0.0.1:${port}`);
    // A page that rebinds its own name to 127.0.0.1 sends its own Host: it gets nothing from here.
    if (request.headers.host !== `127.0.0.1:${port}` || request.method !== 'GET') {
      send(response, 400, page('Bad request', 'This address only receives a sign-in redirect.'));
      return;
    }
    if (url.pathname !== CALLBACK_PATH) {
      send(response, 404, page('Not found', 'Nothing here.'));
      return;
    }
    if (options.state !== undefined && url.searchParams.get('state') !== options.state) {
      send(
        response,
        400,
        page('Not this sign-in', 'This redirect is not the sign-in mailgate is waiting for. Close this tab.'),
      );
      return;
    }
    if (received !== undefined) {
      send(response, 409, page('Already handled', 'This sign-in was already received. Close this tab.'));
      return;
    }
    received = url;
    waiting = response;
    deliver?.(url);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  const answer = (status: number, html: string) =>
    new Promise<void>((resolve) => {
      const response = waiting;
      waiting = undefined;
      if (response === undefined || response.headersSent) return resolve();
      send(response, status, html, () => resolve());
    });

  const close = () => {
    closed ??= answer(
      500,
      page('Sign-in not completed', 'mailgate stopped waiting. Go back to the terminal.'),
    ).then(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    return closed;
  };

  return {
    redirectUri: `http://127.0.0.1:${port}${CALLBACK_PATH}`,
    callback(signal) {
      if (received !== undefined) return Promise.resolve(received);
      return new Promise<URL>((resolve, reject) => {
        const onAbort = () => reject(signal.reason);
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        deliver = (url) => {
          signal.removeEventListener('abort', onAbort);
          resolve(url);
        };
      });
    },
    async finish(outcome) {
      await answer(
        outcome.ok ? 200 : 400,
        outcome.ok
          ? page(
              'Signed in',
              'mailgate received the consent. You can close this tab and go back to the terminal.',
            )
          : page(
              'Sign-in failed',
              `${escapeHtml(outcome.error)} Go back to the terminal for details; you can close this tab.`,
            ),
      );
      await close();
    },
    close,
  };
}
