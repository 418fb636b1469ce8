import { createRoute, z } from '@hono/zod-openapi';

const tags = ['Service'];

export const health = createRoute({
  operationId: 'getHealth',
  method: 'get',
  path: '/health',
  tags,
  summary: 'Liveness',
  description: 'No authentication. Does not contact any mail server.',
  responses: {
    200: {
      description: 'The gateway is up.',
      content: {
        'application/json': {
          schema: z.object({ status: z.literal('ok') }).openapi('Health'),
          example: { status: 'ok' },
        },
      },
    },
  },
});

export const openApiDocument = createRoute({
  operationId: 'getOpenApiDocument',
  method: 'get',
  path: '/openapi.json',
  tags,
  summary: 'This OpenAPI 3.1 document',
  description:
    'No authentication. The document every route is generated from and validated against, built once per ' +
    'process; `/docs` renders it.',
  responses: {
    200: {
      description: 'The document.',
      content: {
        'application/json': {
          schema: z.looseObject({ openapi: z.string(), paths: z.record(z.string(), z.unknown()) }),
          example: {
            openapi: '3.1.0',
            info: { title: 'mailgate', version: '1.0.0' },
            paths: { '/health': { get: { operationId: 'getHealth' } } },
          },
        },
      },
    },
  },
});

export const docsPage = createRoute({
  operationId: 'getDocsPage',
  method: 'get',
  path: '/docs',
  tags,
  summary: 'Interactive API reference rendered from /openapi.json',
  description:
    'No authentication. A page that renders `/openapi.json` in the browser. It loads nothing from another ' +
    'host: its script is served by the gateway itself (`/docs/api-reference.js`), with the system fonts.',
  responses: {
    200: {
      description: 'An HTML page.',
      content: {
        'text/html': {
          schema: z.string(),
          example:
            '<!doctype html><html><head><title>mailgate API</title></head><body><div id="app"></div></body></html>',
        },
      },
    },
  },
});
