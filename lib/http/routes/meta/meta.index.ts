import type { OpenAPIHono } from '@hono/zod-openapi';
import { Scalar } from '@scalar/hono-api-reference';
import type { AppEnv } from '../../app-env.js';
import { DOCS_SCRIPT_PATH, docsScriptHandler } from './docs-script.js';
import { docsPage, health, openApiDocument } from './meta.routes.js';

const API_DESCRIPTION = [
  'IMAP and POP3 mailboxes as a REST/JSON API.',
  '',
  'Everything under `/v1` needs `Authorization: Bearer <token>`. A token grants some accounts and a',
  'scope: `read` (GET only) or `write`. An account the token does not grant answers exactly like one',
  'that does not exist. Every error is `application/problem+json` with a stable `code`.',
  '',
  'A token of scope `admin` calls the account API (store and remove accounts, mint and revoke read and',
  'write tokens) and may list the accounts (`GET /v1/accounts`, `GET /v1/accounts/{account}` without',
  '`probe`), but reads no mail: every other route answers it 403 `forbidden`. Read and write tokens get',
  '403 on the account API.',
].join('\n');

/**
 * The reference page, with nothing fetched from another host: the script
 * from this gateway (DOCS_SCRIPT_PATH), the system fonts instead of Scalar's
 * web fonts, no usage telemetry, no hosted "try it" proxy (requests go
 * straight to this origin), and neither the hosted AI agent nor the
 * developer tools. `@scalar/core`'s types predate some of these settings of
 * the installed browser build (`telemetry`, `agent`, `mcp`), hence the spread.
 */
const OFFLINE_SETTINGS = {
  telemetry: false,
  agent: { disabled: true },
  mcp: { disabled: true },
  showDeveloperTools: 'never',
};

type Document = ReturnType<OpenAPIHono<AppEnv>['getOpenAPI31Document']>;

/**
 * Serves /health, /openapi.json and /docs on the root app. Must run after
 * every feature router is mounted: the document is generated from the
 * app's registry on first request and then reused.
 */
export function mountMeta(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description:
      'An access token issued with `mailgate token create` (or, for read and write tokens, `POST /v1/tokens`).',
  });

  let document: Document | undefined;
  const getDocument = () => {
    document ??= app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: {
        title: 'mailgate',
        version: '1.0.0',
        description: API_DESCRIPTION,
        license: { name: 'MIT', url: 'https://spdx.org/licenses/MIT.html' },
      },
      // Relative: the document describes the gateway that serves it, wherever that is reached.
      servers: [{ url: '/', description: 'This gateway' }],
      tags: [
        {
          name: 'Service',
          description: 'Liveness, this document and its reference page; no authentication.',
        },
        { name: 'Accounts', description: 'The mail accounts a token grants, with what each can do.' },
        { name: 'Mailboxes', description: 'List, inspect, create, rename and delete mailboxes.' },
        { name: 'Messages', description: 'Search, read, flag, move, copy, delete and append messages.' },
        { name: 'Downloads', description: 'Raw messages and attachments, streamed byte for byte.' },
        {
          name: 'Sync',
          description: 'What changed in a mailbox since a state, and waiting for the next change.',
        },
        { name: 'Account API', description: 'Accounts and tokens, for `admin` tokens only.' },
      ],
    });
    return document;
  };

  app.openapi(health, (c) => c.json({ status: 'ok' as const }, 200));
  // The generator's OpenAPIObject type is not JSON-typed; its content is plain JSON all the same.
  app.openapi(openApiDocument, (c) =>
    c.json(getDocument() as unknown as { openapi: string; paths: Record<string, never> }, 200),
  );
  app.openapi(
    docsPage,
    Scalar({
      url: '/openapi.json',
      pageTitle: 'mailgate API',
      cdn: DOCS_SCRIPT_PATH,
      withDefaultFonts: false,
      proxyUrl: '',
      ...OFFLINE_SETTINGS,
    }) as never,
  );
  // Not in the OpenAPI document: an asset of the /docs page, not part of the API.
  app.get(DOCS_SCRIPT_PATH, docsScriptHandler());
}
