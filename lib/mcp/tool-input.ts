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

/** The query shape with JSON types for booleans and integers (see the module comment). */
export function jsonTypedShape<S extends z.ZodRawShape>(shape: S): JsonTyped<S> {
  const typed: Record<string, z.ZodType> = {};
  for (const [key, schema] of Object.entries(shape) as Array<[string, z.ZodType]>) {
    const kind = kindOf(schema);
    const optional = unwrapOptional(schema).optional;
    const base: z.ZodType = kind === 'boolean' ? z.boolean() : kind === 'integer' ? z.number().int() : schema;
    typed[key] = kind !== 'same' && optional ? base.optional() : base;
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
