/**
 * OpenAI JSON Schemas (response_format, tool parameters) → the schema subset
 * node-llama-cpp compiles into a GBNF grammar. The grammar fixes structure:
 * types, properties, enums, consts, arrays, alternatives, $defs/$ref.
 * Value checks it cannot express (minimum, pattern, multipleOf, …) are
 * dropped, so a generated value can be outside such a bound. Keywords whose
 * meaning cannot be kept (allOf, not, if/then/else, …) are refused with 400.
 * Error messages name only JSON Schema keywords, never the caller's values.
 */
import type { GbnfJsonSchema } from 'node-llama-cpp';
import { EngineError } from '../engine.js';

type Schema = Record<string, unknown>;

const REFUSED = ['allOf', 'not', 'if', 'then', 'else', 'patternProperties', 'dependentSchemas', 'dependentRequired', 'propertyNames', 'contains', 'unevaluatedProperties', 'unevaluatedItems', '$dynamicRef'];
const PRIMITIVES = new Set(['string', 'number', 'integer', 'boolean', 'null']);
const STRING_FORMATS = new Set(['date-time', 'time', 'date']);
const MAX_DEPTH = 32;

/** Any JSON value (the grammar for `{}` or a schema without a type). */
export const ANY_JSON: GbnfJsonSchema = {
  oneOf: [{ type: ['string', 'number', 'boolean', 'null'] }, { type: 'object', additionalProperties: true }, { type: 'array' }],
};

function refuse(where: string, what: string): never {
  throw new EngineError(400, `${where}: ${what} is not supported by the embedded engine`);
}

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPrimitive(value: unknown): value is string | number | boolean | null {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function withDescription<T extends object>(schema: T, source: Schema): T {
  return typeof source.description === 'string' ? { ...schema, description: source.description } : schema;
}

function convertDefs(source: Schema, where: string, depth: number): Record<string, GbnfJsonSchema> | undefined {
  const defs = source.$defs ?? source.definitions;
  if (defs === undefined) return undefined;
  if (!isSchema(defs)) refuse(where, '$defs that is not an object');
  return Object.fromEntries(Object.entries(defs).map(([name, def]) => [name, convert(def, where, depth + 1)]));
}

function convertObject(source: Schema, where: string, depth: number): GbnfJsonSchema {
  const properties = source.properties;
  if (properties !== undefined && !isSchema(properties)) refuse(where, 'properties that is not an object');
  const additional = source.additionalProperties;
  const result: Schema = { type: 'object' };
  if (properties) result.properties = Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, convert(value, where, depth + 1)]));
  if (additional === true || additional === false) result.additionalProperties = additional;
  else if (isSchema(additional)) result.additionalProperties = convert(additional, where, depth + 1);
  else if (!properties) result.additionalProperties = true;
  if (Array.isArray(source.required)) result.required = source.required.filter((key) => typeof key === 'string');
  for (const key of ['minProperties', 'maxProperties'] as const) if (typeof source[key] === 'number') result[key] = source[key];
  return result as GbnfJsonSchema;
}

function convertArray(source: Schema, where: string, depth: number): GbnfJsonSchema {
  const result: Schema = { type: 'array' };
  if (source.items !== undefined && source.items !== true) result.items = convert(source.items, where, depth + 1);
  if (Array.isArray(source.prefixItems)) result.prefixItems = source.prefixItems.map((item) => convert(item, where, depth + 1));
  for (const key of ['minItems', 'maxItems'] as const) if (typeof source[key] === 'number') result[key] = source[key];
  return result as GbnfJsonSchema;
}

function convertTyped(type: string, source: Schema, where: string, depth: number): GbnfJsonSchema {
  if (type === 'object') return convertObject(source, where, depth);
  if (type === 'array') return convertArray(source, where, depth);
  if (!PRIMITIVES.has(type)) refuse(where, 'a type other than string, number, integer, boolean, null, object or array');
  if (type !== 'string') return { type } as GbnfJsonSchema;
  if (typeof source.format === 'string' && STRING_FORMATS.has(source.format)) return { type: 'string', format: source.format as 'date' };
  const result: Schema = { type: 'string' };
  for (const key of ['minLength', 'maxLength'] as const) if (typeof source[key] === 'number') result[key] = source[key];
  return result as GbnfJsonSchema;
}

function convertBody(source: Schema, where: string, depth: number): GbnfJsonSchema {
  for (const keyword of REFUSED) if (keyword in source) refuse(where, keyword);
  if ('const' in source) {
    if (!isPrimitive(source.const)) refuse(where, 'a const that is an object or array');
    return { const: source.const };
  }
  if (Array.isArray(source.enum)) {
    if (!source.enum.every(isPrimitive)) refuse(where, 'an enum member that is an object or array');
    return { enum: source.enum };
  }
  if (typeof source.$ref === 'string') {
    const name = /^#\/(?:\$defs|definitions)\/([^/]+)$/.exec(source.$ref)?.[1];
    if (name === undefined) refuse(where, 'a $ref outside #/$defs');
    return { $ref: `#/$defs/${name}` } as GbnfJsonSchema;
  }
  const alternatives = source.oneOf ?? source.anyOf;
  if (Array.isArray(alternatives)) return { oneOf: alternatives.map((item) => convert(item, where, depth + 1)) };
  const type = source.type ?? (source.properties !== undefined ? 'object' : source.items !== undefined ? 'array' : undefined);
  if (type === undefined) return ANY_JSON;
  if (typeof type === 'string') return convertTyped(type, source, where, depth);
  if (!Array.isArray(type) || type.length === 0) refuse(where, 'a type that is not a string or a list');
  if (type.every((item) => typeof item === 'string' && PRIMITIVES.has(item) && item !== 'string')) return { type } as GbnfJsonSchema;
  return { oneOf: type.map((item) => convertTyped(String(item), source, where, depth)) };
}

function convert(value: unknown, where: string, depth: number): GbnfJsonSchema {
  if (depth > MAX_DEPTH) refuse(where, `nesting deeper than ${MAX_DEPTH}`);
  if (value === true || (isSchema(value) && Object.keys(value).length === 0)) return ANY_JSON;
  if (!isSchema(value)) refuse(where, 'a schema that is not an object');
  const body = withDescription(convertBody(value, where, depth), value);
  const defs = convertDefs(value, where, depth);
  return (defs ? { ...body, $defs: defs } : body) as GbnfJsonSchema;
}

/**
 * Converts `schema` for the grammar compiler; `where` names the request field
 * in error messages (e.g. "response_format.json_schema.schema").
 */
export function toGrammarSchema(schema: unknown, where: string): GbnfJsonSchema {
  return convert(schema, where, 0);
}
