// The side panel's fields for each step kind, derived at run time from the same zod schemas the
// server validates with (workflows/contract/custom-schema.ts) through zod's JSON Schema: one
// definition of every field, its type, whether it is required, its default, its options and its
// description. zod comes with it, so import this module from the designer's lazily loaded chunk.
import { z } from 'zod';
import { githubSchemas, KIND_SCHEMAS, memorySchemas } from '../../../workflows/contract/custom-schema';
import type { StepKind } from '../../../workflows/contract/custom-types';

export type FieldType =
  'string' | 'number' | 'integer' | 'boolean' | 'duration' | 'array' | 'object' | 'steps' | 'expression' | 'any';

export interface FieldSpec {
  name: string;
  type: FieldType;
  /** For arrays: the items' type. */
  items?: FieldType;
  required: boolean;
  default?: unknown;
  /** Choices, for enums (and `action`, whose value picks the other fields). */
  options?: string[];
  description?: string;
  min?: number;
  max?: number;
  pattern?: string;
  /** Either of several types (e.g. a status or a list of them). */
  anyOf?: FieldType[];
}

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
  format?: string;
  anyOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
}

/** Fields holding lists of steps: drawn as the group's lanes, not edited in the form. */
const STEP_LISTS: Partial<Record<StepKind, string[]>> = {
  parallel: ['steps', 'branches'],
  condition: ['then', 'else'],
  loop: ['steps'],
};
/** Fields that take a bare expression. */
const EXPRESSIONS: Partial<Record<StepKind, string[]>> = { condition: ['if'], loop: ['while'] };

function typeOf(s: JsonSchema): FieldType {
  if (s.format === 'duration') return 'duration';
  // Text, a number or true/false: entered as text.
  const t = Array.isArray(s.type) ? (s.type.includes('string') ? 'string' : s.type[0]) : s.type;
  if (t === 'string' || t === 'number' || t === 'integer' || t === 'boolean' || t === 'array' || t === 'object')
    return t;
  return 'any';
}

/** The zod default of a field the JSON Schema cannot show (a default on a transform, e.g. a duration). */
function zodDefault(schema: z.ZodType, name: string): unknown {
  let s = schema as unknown as { shape?: Record<string, unknown>; def?: Record<string, unknown> };
  for (let n = 0; n < 5 && !s.shape; n++) {
    const inner = (s.def?.in ?? s.def?.innerType ?? s.def?.schema) as typeof s | undefined;
    if (!inner) break;
    s = inner;
  }
  const field = s.shape?.[name] as { def?: { type?: string; defaultValue?: unknown } } | undefined;
  return field?.def?.type === 'default' ? field.def.defaultValue : undefined;
}

function fieldsFrom(kind: StepKind, schema: z.ZodType): FieldSpec[] {
  const js = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const required = new Set(js.required ?? []);
  return Object.entries(js.properties ?? {}).map(([name, p]) => {
    const stepList = STEP_LISTS[kind]?.includes(name);
    const expression = EXPRESSIONS[kind]?.includes(name);
    const type: FieldType = stepList ? 'steps' : expression ? 'expression' : typeOf(p);
    const options = p.enum?.map(String) ?? (p.const !== undefined ? [String(p.const)] : undefined);
    const def = p.default ?? zodDefault(schema, name);
    const min = p.minimum ?? p.minLength ?? p.minItems;
    const max = p.maximum ?? p.maxLength ?? p.maxItems;
    const anyOf = p.anyOf?.map(typeOf);
    const f: FieldSpec = { name, type, required: required.has(name) };
    if (type === 'array' && p.items) f.items = typeOf(p.items);
    if (def !== undefined) f.default = def;
    if (options) f.options = options;
    if (p.description) f.description = p.description;
    if (min !== undefined) f.min = min;
    if (max !== undefined && max < Number.MAX_SAFE_INTEGER) f.max = max;
    if (p.pattern) f.pattern = p.pattern;
    if (anyOf && anyOf.length > 1) f.anyOf = anyOf;
    return f;
  });
}

const cache = new Map<string, FieldSpec[]>();

/** The actions of memory and github steps (their `action` picks the fields). */
export const ACTIONS: Partial<Record<StepKind, string[]>> = {
  memory: Object.keys(memorySchemas),
  github: Object.keys(githubSchemas),
};

/**
 * The fields of a step kind's body, in the schema's order. Memory and github steps take their
 * action (the first one when not given): `action` comes first with every action as its options.
 */
export function fieldsOf(kind: StepKind, action?: string): FieldSpec[] {
  const table = kind === 'memory' ? memorySchemas : kind === 'github' ? githubSchemas : undefined;
  const key = `${kind}:${table ? (action ?? '') : ''}`;
  const hit = cache.get(key);
  if (hit) return hit;
  let out: FieldSpec[];
  if (table) {
    const actions = Object.keys(table);
    const a = action !== undefined && actions.includes(action) ? action : actions[0];
    out = fieldsFrom(kind, (table as Record<string, z.ZodType>)[a]).map((f) =>
      f.name === 'action'
        ? { ...f, type: 'string', options: actions, default: a, description: 'What to do; it picks the other fields' }
        : f,
    );
  } else out = fieldsFrom(kind, KIND_SCHEMAS[kind as keyof typeof KIND_SCHEMAS] as z.ZodType);
  cache.set(key, out);
  return out;
}

/** A duration default (milliseconds) as the text a file would write, e.g. 600000 → "10m". */
export function durationText(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
