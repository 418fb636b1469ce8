import { describe, expect, it } from 'vitest';
import { lintDocument, servedDocument } from '../../functions/dev/lint-openapi.js';

// `npm run lint:openapi` as a test: the served document passes Redocly's
// recommended rules and this project's own (functions/dev/lint-openapi.ts),
// and each of those rules fails a document that breaks it.

type Operation = {
  operationId?: string;
  description?: string;
  requestBody?: { content: Record<string, { example?: unknown }> };
  responses: Record<string, { content?: Record<string, { schema?: unknown; example?: unknown }> }>;
};
type Document = { paths: Record<string, Record<string, Operation>> };

describe('npm run lint:openapi', () => {
  it('passes the served /openapi.json: no error, no warning', async () => {
    const result = await lintDocument(await servedDocument());
    expect(result.problems).toEqual([]);
    expect(result.clean).toBe(true);
  }, 60_000);

  it('fails an operation without operationId or description, a body or answer without example, an inline problem schema', async () => {
    const document = structuredClone(await servedDocument()) as Document;
    const messages = document.paths['/v1/accounts/{account}/mailboxes/{mailbox}/messages']!;
    delete messages.get!.operationId;
    delete messages.get!.description;
    const page = messages.get!.responses['200']!.content!['application/json']!;
    delete page.example;
    delete (page as { examples?: unknown }).examples;
    delete messages.post!.requestBody!.content['application/json']!.example;
    messages.get!.responses['401']!.content!['application/problem+json']!.schema = { type: 'object' };
    delete messages.get!.responses['404']!.content;
    const forbidden = messages.get!.responses['403']!;
    forbidden.content = { 'application/json': forbidden.content!['application/problem+json']! };

    const result = await lintDocument(document);
    expect(result.clean).toBe(false);
    const where = (ruleId: string) =>
      result.problems.filter((problem) => problem.ruleId === ruleId).map((problem) => problem.pointer);
    const list = '#/paths/~1v1~1accounts~1{account}~1mailboxes~1{mailbox}~1messages';
    expect(where('operation-operationId')).toEqual([`${list}/get/operationId`]);
    expect(where('operation-description')).toEqual([`${list}/get/description`]);
    expect(where('rule/success-response-example')).toEqual([
      `${list}/get/responses/200/content/application~1json`,
    ]);
    expect(where('rule/request-body-example')).toEqual([
      `${list}/post/requestBody/content/application~1json`,
    ]);
    expect(where('rule/error-response-problem-schema')).toEqual([
      `${list}/get/responses/401/content/application~1problem+json/schema`,
    ]);
    expect(where('rule/error-response-content')).toEqual([`${list}/get/responses/404/content`]);
    expect(where('rule/error-response-problem')).toEqual([`${list}/get/responses/403/content`]);
  }, 60_000);
});
