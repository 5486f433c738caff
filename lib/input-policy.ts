// The input policy's rules (api/input-policy.ts applies them at the API border, before any route;
// the JSON-lines import applies them to each line): what no value from outside may hold, whatever
// the schema it is read with.
//
// - NUL (U+0000) and invalid Unicode (a lone surrogate, e.g. the JSON escape "\ud800") anywhere:
//   PostgreSQL text cannot hold NUL, and neither survives a round trip through UTF-8.
// - JSON nests at most MAX_DEPTH levels and holds at most MAX_NODES values, no key longer than
//   MAX_KEY_LENGTH: deeper or larger documents overflow the stack of every recursive reader after
//   this one (schemas, serializers, jsonb).
// - No `__proto__`, `constructor` or `prototype` key: a copy by assignment turns `__proto__` into
//   the object's prototype (and drops it), and a name looked up with `in` finds `constructor` on
//   every object.
//
// The walk is iterative, so a 10,000-level document is refused here rather than overflowing here.

/** Levels of nesting a JSON document may have (an object or array in an object is level 2). */
export const MAX_DEPTH = 64;
/** Values (objects, arrays, strings, numbers, booleans, nulls) in one JSON document. */
export const MAX_NODES = 200_000;
/** Characters in one object key. */
export const MAX_KEY_LENGTH = 1_000;
/** Keys no JSON from outside may use: they name Object.prototype's machinery, never data. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** A lone surrogate: a high one not followed by a low one, or a low one not after a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** What is wrong with a string, or undefined. */
export function badText(s: string): string | undefined {
  if (s.includes('\0')) return 'contains the NUL character (U+0000), which is not allowed anywhere; remove it';
  if (LONE_SURROGATE.test(s))
    return 'contains invalid Unicode (a lone UTF-16 surrogate, e.g. "\\ud800"); send well-formed UTF-8 text';
  return undefined;
}

/** RFC 6901: `~` → `~0`, `/` → `~1`. */
const pointerSegment = (s: string | number) => String(s).replace(/~/g, '~0').replace(/\//g, '~1');
const shown = (s: string) => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);

export interface InputProblem {
  /** Where: `body`, `query` or `path`. */
  in: 'body' | 'query' | 'path';
  /** A JSON pointer into the body (`/entries/0/tags/1`), or the query or path parameter's name. */
  field: string;
  message: string;
}

/** The first breach of the policy in a parsed JSON value, or undefined. Iterative: any depth is safe. */
export function jsonProblem(value: unknown): Omit<InputProblem, 'in'> | undefined {
  const stack: { v: unknown; pointer: string; depth: number }[] = [{ v: value, pointer: '', depth: 0 }];
  let nodes = 0;
  while (stack.length) {
    const { v, pointer, depth } = stack.pop() as (typeof stack)[number];
    const field = pointer || '/';
    if (++nodes > MAX_NODES) return { field, message: `holds more than ${MAX_NODES} JSON values; send less at once` };
    if (typeof v === 'string') {
      const bad = badText(v);
      if (bad) return { field, message: bad };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > MAX_DEPTH)
      return { field, message: `nests deeper than ${MAX_DEPTH} levels; flatten it (e.g. store it as a string)` };
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], pointer: `${pointer}/${i}`, depth: depth + 1 });
      continue;
    }
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i];
      const at = `${pointer}/${pointerSegment(key)}`;
      if (RESERVED_KEYS.has(key))
        return {
          field: at,
          message: `the key ${shown(key)} is not allowed (it names JavaScript object machinery, not data); rename it`,
        };
      if (key.length > MAX_KEY_LENGTH)
        return { field: at, message: `the key is longer than ${MAX_KEY_LENGTH} characters; use a shorter one` };
      const bad = badText(key);
      if (bad) return { field: at, message: `the key ${bad}` };
      stack.push({ v: (v as Record<string, unknown>)[key], pointer: at, depth: depth + 1 });
    }
  }
  return undefined;
}
