import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { buildTestApp } from '../support/http-helpers.js';

/**
 * Every endpoint of the API contract, kept here so the project's own tests
 * define what the document must cover.
 */
const MAILBOX = '/v1/accounts/{account}/mailboxes/{mailbox}';
/** API.md: the message routes are account-level; the id alone names the message. */
const MESSAGE = '/v1/accounts/{account}/messages/{id}';
const NESTED_MESSAGE = `${MAILBOX}/messages/{id}`;
/** Issue #12's webhook routes: this document is their reference. */
const WEBHOOKS = '/v1/accounts/{account}/webhooks';
const WEBHOOK = `${WEBHOOKS}/{id}`;
/** The mailbox-nested routes served before, kept as deprecated aliases. */
const ALIAS_PATHS: Array<[method: string, path: string]> = [
  ['get', NESTED_MESSAGE],
  ['get', `${NESTED_MESSAGE}/raw`],
  ['get', `${NESTED_MESSAGE}/attachments/{attachmentId}`],
  ['patch', NESTED_MESSAGE],
  ['post', `${NESTED_MESSAGE}/move`],
  ['post', `${NESTED_MESSAGE}/copy`],
  ['delete', NESTED_MESSAGE],
];
const CONTRACT_PATHS: Array<[method: string, path: string]> = [
  ['get', '/health'],
  ['get', '/openapi.json'],
  ['get', '/docs'],
  ['get', '/v1/accounts'],
  ['get', '/v1/accounts/{account}'],
  ['get', '/v1/accounts/{account}/mailboxes'],
  ['post', '/v1/accounts/{account}/mailboxes'],
  ['patch', MAILBOX],
  ['delete', MAILBOX],
  ['get', MAILBOX],
  ['get', `${MAILBOX}/messages`],
  ['post', `${MAILBOX}/messages`],
  ['get', MESSAGE],
  ['get', `${MESSAGE}/raw`],
  ['get', `${MESSAGE}/attachments/{attachmentId}`],
  ['patch', MESSAGE],
  ['post', `${MESSAGE}/move`],
  ['post', `${MESSAGE}/copy`],
  ['delete', MESSAGE],
  ['post', `${MAILBOX}/messages/bulk`],
  ['get', `${MAILBOX}/changes`],
  ['get', `${MAILBOX}/wait`],
  ['get', `${MAILBOX}/threads`],
  ['get', `${MAILBOX}/threads/{threadId}`],
  ['put', '/v1/accounts/{account}'],
  ['delete', '/v1/accounts/{account}'],
  ['post', '/v1/tokens'],
  ['get', '/v1/tokens'],
  ['delete', '/v1/tokens/{tokenId}'],
  ['post', WEBHOOKS],
  ['get', WEBHOOKS],
  ['get', WEBHOOK],
  ['patch', WEBHOOK],
  ['delete', WEBHOOK],
  ['post', `${WEBHOOK}/test`],
];
/** The account API (admin tokens), with the operationId each must carry. */
const ACCOUNT_API: Array<[method: string, path: string, operationId: string]> = [
  ['put', '/v1/accounts/{account}', 'putAccount'],
  ['delete', '/v1/accounts/{account}', 'deleteAccount'],
  ['post', '/v1/tokens', 'createToken'],
  ['get', '/v1/tokens', 'listTokens'],
  ['delete', '/v1/tokens/{tokenId}', 'revokeToken'],
];

type Operation = {
  deprecated?: boolean;
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string }>;
  responses: Record<string, { content?: Record<string, unknown>; headers?: Record<string, unknown> }>;
};
type Document = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { type: string; scheme: string }> };
};

async function fetchDocument(): Promise<Document> {
  const { request } = buildTestApp();
  const response = await request('/openapi.json', { token: null });
  expect(response.status).toBe(200);
  return (await response.json()) as Document;
}

describe('/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const document = await fetchDocument();
    expect(document.openapi).toBe('3.1.0');
    const result = await new Validator().validate(
      document as unknown as Parameters<Validator['validate']>[0],
    );
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it.each(CONTRACT_PATHS)('documents %s %s', async (method, path) => {
    const document = await fetchDocument();
    expect(document.paths[path]?.[method], `${method} ${path}`).toBeDefined();
  });

  it('documents nothing that is not served', async () => {
    const document = await fetchDocument();
    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method} ${path}`),
    );
    expect(documented.sort()).toEqual(
      [...CONTRACT_PATHS, ...ALIAS_PATHS].map(([method, path]) => `${method} ${path}`).sort(),
    );
  });

  it('marks exactly the mailbox-nested message routes deprecated, pointing at the canonical one', async () => {
    const document = await fetchDocument();
    const deprecated = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([, operation]) => operation.deprecated === true)
        .map(([method]) => `${method} ${path}`),
    );
    expect(deprecated.sort()).toEqual(ALIAS_PATHS.map(([method, path]) => `${method} ${path}`).sort());
    const alias = document.paths[NESTED_MESSAGE]?.get as Operation & { description?: string };
    expect(alias.description).toContain(MESSAGE);
  });

  it('requires the bearer scheme on every /v1 operation and on nothing else', async () => {
    const document = await fetchDocument();
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const [path, item] of Object.entries(document.paths)) {
      for (const operation of Object.values(item)) {
        if (path.startsWith('/v1/')) expect(operation.security, path).toEqual([{ bearer: [] }]);
        else expect(operation.security, path).toBeUndefined();
      }
    }
  });

  it('describes errors as problem+json with a code on every /v1 operation', async () => {
    const document = await fetchDocument();
    for (const [path, item] of Object.entries(document.paths)) {
      if (!path.startsWith('/v1/')) continue;
      for (const operation of Object.values(item)) {
        for (const status of ['401', '500', '504']) {
          const content = operation.responses[status]?.content;
          expect(content, `${path} ${status}`).toHaveProperty(['application/problem+json']);
        }
      }
    }
    const problem = (
      document as unknown as { components: { schemas: Record<string, { required: string[] }> } }
    ).components.schemas.Problem;
    expect(problem?.required).toEqual(expect.arrayContaining(['type', 'title', 'status', 'detail', 'code']));
  });

  it('lists every filter of the contract on the messages list', async () => {
    const document = await fetchDocument();
    const operation = document.paths['/v1/accounts/{account}/mailboxes/{mailbox}/messages']!.get!;
    const names = operation.parameters!.filter((p) => p.in === 'query').map((p) => p.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'cursor',
        'limit',
        'seen',
        'flagged',
        'answered',
        'draft',
        'from',
        'to',
        'cc',
        'subject',
        'text',
        'body',
        'since',
        'before',
        'larger',
        'smaller',
      ]),
    );
  });

  it('documents downloads as bytes with their media types', async () => {
    const document = await fetchDocument();
    for (const path of [`${MESSAGE}/raw`, `${NESTED_MESSAGE}/raw`]) {
      const raw = document.paths[path]!.get!;
      expect(Object.keys(raw.responses['200']!.content!), path).toEqual(['message/rfc822']);
      expect(raw.responses['200']!.headers, path).toHaveProperty('Content-Disposition');
    }
  });
});

describe('/openapi.json for the write and sync routes', () => {
  it('documents the append body as message/rfc822 or JSON, and Location on 201', async () => {
    const document = (await fetchDocument()) as unknown as {
      paths: Record<
        string,
        Record<string, { requestBody: { content: Record<string, unknown> } } & Operation>
      >;
    };
    const append = document.paths['/v1/accounts/{account}/mailboxes/{mailbox}/messages']!.post!;
    expect(Object.keys(append.requestBody.content).sort()).toEqual(['application/json', 'message/rfc822']);
    expect(append.responses['201']!.headers).toHaveProperty('Location');
    expect(Object.keys(append.responses)).toEqual(expect.arrayContaining(['413', '415', '501']));
  });

  it('documents 403 on every write and removedComplete on changes', async () => {
    const document = await fetchDocument();
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (method !== 'get') expect(operation.responses, `${method} ${path}`).toHaveProperty('403');
      }
    }
    const schemas = (
      document as unknown as { components: { schemas: Record<string, { properties: object }> } }
    ).components.schemas;
    expect(schemas.Changes?.properties).toHaveProperty('removedComplete');
  });
});

describe('/openapi.json for the account API', () => {
  type Described = Operation & {
    operationId?: string;
    summary?: string;
    description?: string;
    tags?: string[];
    requestBody?: { content: Record<string, { schema: unknown; example?: unknown; examples?: unknown }> };
    responses: Record<string, { content?: Record<string, { example?: unknown; schema?: unknown }> }>;
  };
  const operation = async (method: string, path: string) =>
    (await fetchDocument()).paths[path]?.[method] as Described | undefined;

  it.each(ACCOUNT_API)(
    'documents %s %s as %s, with a summary, a description and problem examples',
    async (method, path, id) => {
      const described = await operation(method, path);
      expect(described?.operationId).toBe(id);
      expect(described?.summary).toMatch(/admin/);
      expect(described?.description).toMatch(/admin/);
      expect(described?.tags).toEqual(['Account API']);
      for (const status of ['401', '403', '500', '501', '504']) {
        expect(described?.responses[status]?.content, `${status}`).toHaveProperty([
          'application/problem+json',
        ]);
      }
      expect(described?.responses['403']?.content?.['application/problem+json']?.example).toMatchObject({
        code: 'forbidden',
      });
    },
  );

  it('documents the account document with examples, verify, 201/200, 422 and no secret in the answer schema', async () => {
    const document = await fetchDocument();
    const put = document.paths['/v1/accounts/{account}']!.put as unknown as Described;
    expect(Object.keys(put.requestBody!.content)).toEqual(['application/json']);
    expect(put.requestBody!.content['application/json']!.examples).toHaveProperty('oauth2');
    expect(put.parameters!.map((p) => `${p.in} ${p.name}`).sort()).toEqual(['path account', 'query verify']);
    expect(Object.keys(put.responses)).toEqual(
      expect.arrayContaining(['200', '201', '400', '413', '415', '422', '502', '504']),
    );
    expect(put.responses['422']!.content!['application/problem+json']!.example).toMatchObject({
      code: 'verification_failed',
    });
    const schemas = (
      document as unknown as { components: { schemas: Record<string, { properties: object }> } }
    ).components.schemas;
    expect(schemas.AccountDocument?.properties).toHaveProperty('oauth2');
    const propertyNames = (schema: unknown): string[] => {
      if (schema === null || typeof schema !== 'object') return [];
      const { properties, ...rest } = schema as { properties?: Record<string, unknown> };
      return [
        ...Object.keys(properties ?? {}),
        ...Object.values(properties ?? {}).flatMap(propertyNames),
        ...Object.values(rest).flatMap(propertyNames),
      ];
    };
    const answered = propertyNames(schemas.StoredAccount);
    expect(answered).toEqual(expect.arrayContaining(['id', 'host', 'user', 'auth', 'clientId']));
    for (const secret of ['password', 'refreshToken', 'accessToken', 'clientSecret', 'tlsOptions']) {
      expect(answered).not.toContain(secret);
    }
    const token = document.paths['/v1/tokens']!.post as unknown as Described;
    expect(token.responses['201']).toBeDefined();
    expect(propertyNames(schemas.Token)).not.toContain('hash');
    expect(propertyNames(schemas.CreatedToken)).toContain('token');
  });
});

describe('/openapi.json for the webhook routes', () => {
  it('documents them with operation ids, 403/404/501, the secret on the create answer only, and their codes', async () => {
    const document = (await fetchDocument()) as unknown as Document & {
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    const ids: Record<string, string> = {
      [`post ${WEBHOOKS}`]: 'createWebhook',
      [`get ${WEBHOOKS}`]: 'listWebhooks',
      [`get ${WEBHOOK}`]: 'getWebhook',
      [`patch ${WEBHOOK}`]: 'updateWebhook',
      [`delete ${WEBHOOK}`]: 'deleteWebhook',
      [`post ${WEBHOOK}/test`]: 'testWebhook',
    };
    for (const [key, id] of Object.entries(ids)) {
      const [method, path] = key.split(' ') as [string, string];
      const operation = document.paths[path]?.[method] as Operation & { operationId?: string };
      expect(operation?.operationId, key).toBe(id);
      for (const status of ['401', '403', '404', '501']) {
        expect(operation.responses[status]?.content, `${key} ${status}`).toHaveProperty([
          'application/problem+json',
        ]);
      }
    }
    expect(Object.keys(document.paths[WEBHOOKS]!.post!.responses)).toEqual(
      expect.arrayContaining(['201', '400', '404', '409', '413', '415']),
    );
    expect(Object.keys(document.paths[`${WEBHOOK}/test`]!.post!.responses)).toContain('202');
    const { schemas } = document.components;
    expect(Object.keys(schemas.Webhook?.properties ?? {})).not.toContain('secret');
    expect(Object.keys(schemas.CreatedWebhook?.properties ?? {})).toContain('secret');
    const codes = (schemas.Problem!.properties!.code as { enum: string[] }).enum;
    expect(codes).toEqual(expect.arrayContaining(['webhook_not_found', 'webhook_limit_reached']));
  });
});
