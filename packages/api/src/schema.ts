/**
 * JSON Schemas of the API's messages, built as values that carry their TypeScript type: the
 * OpenAPI document is generated from them (openapi.ts), and each is checked at compile time
 * against the message type the client and the server use, so the document cannot say one thing
 * while the code does another. `validate` checks a value against one — the e2e tests hold every
 * real answer of a node to its schema.
 */
import type { Hex } from '@kestrel/core';

/** The subset of JSON Schema (2020-12, as OpenAPI 3.1 uses it) these schemas are made of. */
export interface JsonSchema {
  type?:
    | 'string'
    | 'number'
    | 'integer'
    | 'boolean'
    | 'object'
    | 'array'
    | 'null'
    | Array<'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null'>;
  description?: string;
  pattern?: string;
  enum?: ReadonlyArray<string | number | boolean | null>;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean;
  items?: JsonSchema | false;
  prefixItems?: JsonSchema[];
  minItems?: number;
  maxItems?: number;
  oneOf?: JsonSchema[];
  $ref?: string;
}

/** A schema and, as a type only, the value it describes. */
export interface Schema<T> {
  readonly json: JsonSchema;
  /** never set: carries T */
  readonly type?: T;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

/** A property that may be absent. */
export interface Optional<T> {
  readonly optional: Schema<T>;
}

type Shape = Record<string, Schema<unknown> | Optional<unknown>>;
type Flat<T> = { [K in keyof T]: T[K] };
type ObjectOf<S extends Shape> = Flat<
  { [K in keyof S as S[K] extends Optional<unknown> ? never : K]: S[K] extends Schema<infer T> ? T : never } & {
    [K in keyof S as S[K] extends Optional<unknown> ? K : never]?: S[K] extends Optional<infer T> ? T : never;
  }
>;

const DECIMAL = '^-?(0|[1-9][0-9]*)(\\.[0-9]*[1-9])?$';
const UINT = '^(0|[1-9][0-9]*)$';

const of = <T>(json: JsonSchema): Schema<T> => ({ json });
const describe = (json: JsonSchema, description: string | undefined): JsonSchema => (description === undefined ? json : { ...json, description });

export const s = {
  string: (description?: string): Schema<string> => of(describe({ type: 'string' }, description)),
  /** a decimal number in human units, exact: "1850.25", "-0.5" */
  decimal: (description?: string): Schema<string> => of(describe({ type: 'string', pattern: DECIMAL }, description)),
  /** a signed integer as a string (X18 units on the settlement's wire) */
  int: (description?: string): Schema<string> => of(describe({ type: 'string', pattern: '^-?(0|[1-9][0-9]*)$' }, description)),
  /** an unsigned integer too large for a JSON number: ids, nonces, times */
  uint: (description?: string): Schema<string> => of(describe({ type: 'string', pattern: UINT }, description)),
  /** 0x hex: `bytes` bytes exactly, or any length */
  hex: (bytes?: number, description?: string): Schema<Hex> =>
    of(describe({ type: 'string', pattern: bytes === undefined ? '^0x[0-9a-fA-F]*$' : `^0x[0-9a-fA-F]{${bytes * 2}}$` }, description)),
  integer: (description?: string): Schema<number> => of(describe({ type: 'integer' }, description)),
  number: (description?: string): Schema<number> => of(describe({ type: 'number' }, description)),
  boolean: (description?: string): Schema<boolean> => of(describe({ type: 'boolean' }, description)),
  literal: <const V extends ReadonlyArray<string | number | boolean>>(...values: V): Schema<V[number]> => of({ enum: values }),
  array: <T>(item: Schema<T>, description?: string): Schema<T[]> => of(describe({ type: 'array', items: item.json }, description)),
  tuple: <A, B>(a: Schema<A>, b: Schema<B>): Schema<[A, B]> => of({ type: 'array', prefixItems: [a.json, b.json], items: false, minItems: 2, maxItems: 2 }),
  nullable: <T>(inner: Schema<T>): Schema<T | null> => of({ oneOf: [inner.json, { type: 'null' }] }),
  optional: <T>(inner: Schema<T>): Optional<T> => ({ optional: inner }),
  /** exactly these properties: an undocumented field in a real answer fails validation */
  object: <S extends Shape>(shape: S, description?: string): Schema<ObjectOf<S>> => {
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const [k, v] of Object.entries(shape)) {
      if ('optional' in v) properties[k] = v.optional.json;
      else {
        properties[k] = v.json;
        required.push(k);
      }
    }
    return of(describe({ type: 'object', properties, required, additionalProperties: false }, description));
  },
  /** any JSON object */
  record: (description?: string): Schema<Record<string, unknown>> => of(describe({ type: 'object' }, description)),
  oneOf: <A, B>(a: Schema<A>, b: Schema<B>): Schema<A | B> => of({ oneOf: [a.json, b.json] }),
};

/** Whether A and B are the same type (each assignable to the other). */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/**
 * Where `value` breaks `schema`: a list of `path: what`, empty when it conforms. `refs` resolves
 * `$ref`s to named schemas.
 */
export function validate(schema: JsonSchema, value: unknown, refs: Record<string, JsonSchema> = {}, path = '$'): string[] {
  if (schema.$ref !== undefined) {
    const target = refs[schema.$ref.replace('#/components/schemas/', '')];
    return target === undefined ? [`${path}: unknown schema ${schema.$ref}`] : validate(target, value, refs, path);
  }
  if (schema.oneOf !== undefined) {
    const matches = schema.oneOf.filter((o) => validate(o, value, refs, path).length === 0).length;
    return matches === 1 ? [] : [`${path}: matches ${matches} of its ${schema.oneOf.length} alternatives (${JSON.stringify(value)?.slice(0, 120)})`];
  }
  if (schema.enum !== undefined && !schema.enum.includes(value as string)) return [`${path}: ${JSON.stringify(value)} is not one of ${schema.enum.join(', ')}`];
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.length > 0 && !types.some((t) => isType(t, value))) return [`${path}: expected ${types.join(' or ')}, got ${JSON.stringify(value)?.slice(0, 80)}`];
  const errors: string[] = [];
  if (typeof value === 'string' && schema.pattern !== undefined && !new RegExp(schema.pattern).test(value))
    errors.push(`${path}: "${value.slice(0, 80)}" does not match ${schema.pattern}`);
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) errors.push(`${path}: fewer than ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) errors.push(`${path}: more than ${schema.maxItems} items`);
    value.forEach((v, i) => {
      const item = schema.prefixItems?.[i] ?? schema.items;
      if (item === false) errors.push(`${path}[${i}]: no item expected here`);
      else if (item !== undefined) errors.push(...validate(item, v, refs, `${path}[${i}]`));
    });
  } else if (typeof value === 'object' && value !== null && schema.properties !== undefined) {
    const obj = value as Record<string, unknown>;
    for (const k of schema.required ?? []) if (!(k in obj)) errors.push(`${path}.${k}: missing`);
    for (const [k, v] of Object.entries(obj)) {
      const prop = schema.properties[k];
      if (prop === undefined) {
        if (schema.additionalProperties === false) errors.push(`${path}.${k}: not in the schema`);
      } else errors.push(...validate(prop, v, refs, `${path}.${k}`));
    }
  }
  return errors;
}

function isType(t: string, v: unknown): boolean {
  switch (t) {
    case 'null':
      return v === null;
    case 'array':
      return Array.isArray(v);
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'integer':
      return Number.isInteger(v);
    default:
      return typeof v === t;
  }
}
