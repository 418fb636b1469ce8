import { createRoute, z } from '@hono/zod-openapi';

const tags = ['Service'];

export const health = createRoute({
  method: 'get',
  path: '/health',
  tags,
  summary: 'Liveness',
  description: 'No authentication. Does not contact any mail server.',
  responses: {
    200: {
      description: 'The gateway is up.',
      content: { 'application/json': { schema: z.object({ status: z.literal('ok') }).openapi('Health') } },
    },
  },
});

export const openApiDocument = createRoute({
  method: 'get',
  path: '/openapi.json',
  tags,
  summary: 'This OpenAPI 3.1 document',
  responses: {
    200: {
      description: 'The document.',
      content: {
        'application/json': {
          schema: z.looseObject({ openapi: z.string(), paths: z.record(z.string(), z.unknown()) }),
        },
      },
    },
  },
});

export const docsPage = createRoute({
  method: 'get',
  path: '/docs',
  tags,
  summary: 'Interactive API reference rendered from /openapi.json',
  responses: {
    200: { description: 'An HTML page.', content: { 'text/html': { schema: z.string() } } },
  },
});
