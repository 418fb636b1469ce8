import { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { queryBoolean } from '../http/input-limits.js';

/**
 * MCP tool inputs are JSON, the HTTP routes' queries are strings. A tool's
 * input schema is derived from the route's own query schema: each
 * `true`/`false` field becomes a JSON boolean and each whole-number field a
 * JSON integer, every other field is the route's schema itself. The typed
 * value is turned back into its query-string form and validated by the
 * route's schema (`toQueryInput`), so limits and messages stay the routes'.
 */

type FieldKind = 'boolean' | 'integer' | 'same';

function unwrapOptional(schema: z.ZodType): { inner: z.ZodType; optional: boolean } {
  return schema instanceof z.ZodOptional
    ? { inner: schema.unwrap() as z.ZodType, optional: true }
    : { inner: schema, optional: false };
}

/** What a query field holds: decided by what the route's schema accepts, not by a list of names. */
function kindOf(schema: z.ZodType): FieldKind {
  const { inner } = unwrapOptional(schema);
  if (inner === queryBoolean) return 'boolean';
  if (inner instanceof z.ZodEnum) {
    const options = [...inner.options].sort();
    if (options.length === 2 && options[0] === 'false' && options[1] === 'true') return 'boolean';
  }
  const parsed = inner.safeParse('1');
  if (parsed.success && typeof parsed.data === 'number') return 'integer';
  return 'same';
}

type JsonTyped<S extends z.ZodRawShape> = { [K in keyof S]: z.ZodType };

/** What the HTTP API's OpenAPI document says of a query parameter that a JSON schema would lose. */
interface ParameterDoc {
  description?: string;
  minimum?: number;
  maximum?: number;
}

/**
 * The route's query parameters as its OpenAPI document describes them: the
 * descriptions and integer bounds are `.openapi()` metadata, which neither
 * zod's own JSON schema nor a refine's check exposes, so they are read from
 * the generator lib/http's document comes from (a few ms, once per tool
 * when the MCP side loads).
 */
function parameterDocs(schema: z.ZodObject): Map<string, ParameterDoc> {
  const app = new OpenAPIHono();
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/',
    request: { query: schema },
    responses: { 200: { description: 'tool input' } },
  });
  const document = app.getOpenAPIDocument({ openapi: '3.0.0', info: { title: 'tool input', version: '1' } });
  const parameters = (document.paths['/']?.get?.parameters ?? []) as Array<{
    name: string;
    description?: string;
    schema?: { minimum?: number; maximum?: number; description?: string };
  }>;
  const docs = new Map<string, ParameterDoc>();
  for (const parameter of parameters) {
    const description = parameter.description ?? parameter.schema?.description;
    docs.set(parameter.name, {
      ...(description ? { description } : {}),
      ...(typeof parameter.schema?.minimum === 'number' ? { minimum: parameter.schema.minimum } : {}),
      ...(typeof parameter.schema?.maximum === 'number' ? { maximum: parameter.schema.maximum } : {}),
    });
  }
  return docs;
}

function jsonInteger(doc: ParameterDoc | undefined): z.ZodNumber {
  let integer = z.number().int();
  if (doc?.minimum !== undefined) integer = integer.min(doc.minimum);
  if (doc?.maximum !== undefined) integer = integer.max(doc.maximum);
  return integer;
}

/**
 * The query shape with JSON types for booleans and integers (see the module
 * comment), each field with the route's description and an integer with the
 * route's bounds, so a client sees in the tool's input schema what the HTTP
 * API's document says. A field without a description is the route's schema
 * itself.
 */
export function jsonTypedShape<S extends z.ZodRawShape>(shape: S): JsonTyped<S> {
  const docs = parameterDocs(z.object(shape));
  const typed: Record<string, z.ZodType> = {};
  for (const [key, schema] of Object.entries(shape) as Array<[string, z.ZodType]>) {
    const kind = kindOf(schema);
    const doc = docs.get(key);
    const optional = unwrapOptional(schema).optional;
    let field: z.ZodType = kind === 'boolean' ? z.boolean() : kind === 'integer' ? jsonInteger(doc) : schema;
    if (kind !== 'same' && optional) field = field.optional();
    if (doc?.description) field = field.describe(doc.description);
    typed[key] = field;
  }
  return typed as JsonTyped<S>;
}

/**
 * Validates tool arguments with the route's query schema: booleans and
 * integers back to their query-string spelling, everything else as given.
 * @returns the route schema's output, or the zod error.
 */
export function parseAsQuery<T extends z.ZodObject>(
  schema: T,
  input: Record<string, unknown>,
): ReturnType<T['safeParse']> {
  const query: Record<string, unknown> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = input[key];
    if (value === undefined) continue;
    query[key] = typeof value === 'boolean' || typeof value === 'number' ? String(value) : value;
  }
  return schema.safeParse(query) as ReturnType<T['safeParse']>;
}
