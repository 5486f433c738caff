// A form generated from a JSON Schema (a workflow type's inputSchema): text, number, checkbox and
// select fields, one-per-line lists of strings, nested objects as fieldsets, and a JSON text area
// for anything else. Defaults are filled in; descriptions are the hints; the API's 400 `errors`
// show beside the field they name (or above the form when they name the input as a whole).
import { useState } from 'react';
import type { FieldError } from '../api';

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  items?: JsonSchema;
  default?: unknown;
  description?: string;
  anyOf?: JsonSchema[];
  additionalProperties?: boolean | JsonSchema;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
}

type Obj = Record<string, unknown>;
type Kind = 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'lines' | 'object' | 'json';
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function kindOf(s: JsonSchema): Kind {
  if (s.enum && s.enum.length && s.enum.every((e) => typeof e === 'string')) return 'enum';
  const t = Array.isArray(s.type) ? undefined : s.type;
  if (t === 'string') return 'string';
  if (t === 'integer' || t === 'number') return t;
  if (t === 'boolean') return 'boolean';
  if (t === 'array' && s.items?.type === 'string' && !s.items.enum) return 'lines';
  if (t === 'object' && s.properties && Object.keys(s.properties).length && !isObj(s.additionalProperties))
    return 'object';
  return 'json';
}

/** Whether the schema is an object form with fields (else: no input, or one JSON text area). */
export const hasFields = (s: JsonSchema) => kindOf(s) === 'object';

/** The schema's defaults as a value (nested objects included, so their fields show them). */
export function defaultsOf(s: JsonSchema): unknown {
  const own = s.default === undefined ? undefined : structuredClone(s.default);
  if (kindOf(s) !== 'object') return own;
  // An object's own default (often `{}`) laid over its fields' defaults.
  const out: Obj = {};
  for (const [k, p] of Object.entries(s.properties ?? {})) {
    const d = defaultsOf(p);
    if (d !== undefined) out[k] = d;
  }
  const merged = merge(Object.keys(out).length ? out : undefined, own);
  return isObj(merged) && Object.keys(merged).length === 0 ? undefined : merged;
}

/** `base` with `over` laid on top (objects merged key by key, anything else replaced). */
export function merge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (isObj(base) && isObj(over)) {
    const out: Obj = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v);
    return out;
  }
  return over;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The input to send: values equal to their default left out (the API applies them), and optional
 * objects left with nothing in them dropped, so untouched optional sections stay absent.
 */
export function pruned(s: JsonSchema, v: unknown, required = true): unknown {
  if (v === undefined) return undefined;
  if (kindOf(s) === 'object' && isObj(v)) {
    const out: Obj = {};
    for (const [k, x] of Object.entries(v)) {
      const p = s.properties?.[k];
      if (!p) {
        out[k] = x;
        continue;
      }
      if (p.default !== undefined && same(p.default, x)) continue;
      const y = pruned(p, x, (s.required ?? []).includes(k));
      if (y !== undefined) out[k] = y;
    }
    return Object.keys(out).length || required ? out : undefined;
  }
  return v;
}

/** Dotted paths of the fields the form renders (where an error can be shown). */
function fieldPaths(s: JsonSchema, prefix = ''): string[] {
  if (kindOf(s) !== 'object') return prefix ? [prefix] : [];
  return Object.entries(s.properties ?? {}).flatMap(([k, p]) => [
    ...fieldPaths(p, prefix ? `${prefix}.${k}` : k),
    ...(kindOf(p) === 'object' ? [prefix ? `${prefix}.${k}` : k] : []),
  ]);
}

/**
 * The API's errors by the rendered field they belong to (`input.` stripped; an error deeper than a
 * field, e.g. inside a JSON area, goes to that field); `''` holds those about the input as a whole.
 */
export function errorsByField(s: JsonSchema, errors: FieldError[], root = 'input'): Map<string, string[]> {
  const fields = fieldPaths(s).sort((a, b) => b.length - a.length);
  const out = new Map<string, string[]>();
  for (const e of errors) {
    const p = e.path === root ? '' : e.path.startsWith(`${root}.`) ? e.path.slice(root.length + 1) : undefined;
    if (p === undefined) continue;
    const field = fields.find((f) => p === f || p.startsWith(`${f}.`)) ?? '';
    out.set(field, [...(out.get(field) ?? []), e.message]);
  }
  return out;
}

const getAt = (v: unknown, path: string[]): unknown => path.reduce<unknown>((o, k) => (isObj(o) ? o[k] : undefined), v);
function setAt(v: unknown, path: string[], x: unknown): unknown {
  const [k, ...rest] = path;
  if (k === undefined) return x;
  const o: Obj = isObj(v) ? { ...v } : {};
  const y = setAt(o[k], rest, x);
  if (y === undefined) delete o[k];
  else o[k] = y;
  return o;
}

interface Ctx {
  id: string;
  value: unknown;
  onChange: (v: unknown) => void;
  errors: Map<string, string[]>;
  onJsonError: (path: string, message: string | undefined) => void;
}

/** The fields of an object schema, controlled by `value`. */
export function SchemaFields({
  id,
  schema,
  value,
  onChange,
  errors,
  onJsonError,
}: {
  id: string;
  schema: JsonSchema;
  value: unknown;
  onChange: (v: unknown) => void;
  errors: Map<string, string[]>;
  onJsonError: (path: string, message: string | undefined) => void;
}) {
  const ctx: Ctx = { id, value, onChange, errors, onJsonError };
  if (!hasFields(schema)) return <Field ctx={ctx} name="input" path={[]} schema={schema} required={false} />;
  return <ObjectFields ctx={ctx} schema={schema} path={[]} />;
}

function ObjectFields({ ctx, schema, path }: { ctx: Ctx; schema: JsonSchema; path: string[] }) {
  return (
    <div className="sf-fields">
      {Object.entries(schema.properties ?? {}).map(([name, p]) => (
        <Field
          key={name}
          ctx={ctx}
          name={name}
          path={[...path, name]}
          schema={p}
          required={(schema.required ?? []).includes(name)}
        />
      ))}
    </div>
  );
}

/** "1–16", "at least 1", "more than 0" (a maximum of MAX_SAFE_INTEGER is no limit worth saying). */
function range(s: JsonSchema): string | undefined {
  const max = s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER ? s.maximum : undefined;
  const min = s.minimum;
  if (min !== undefined && max !== undefined) return `${min}–${max}`;
  if (min !== undefined) return `at least ${min}`;
  if (s.exclusiveMinimum !== undefined)
    return `more than ${s.exclusiveMinimum}${max !== undefined ? `, at most ${max}` : ''}`;
  return max !== undefined ? `at most ${max}` : undefined;
}

function Hint({ id, schema }: { id: string; schema: JsonSchema }) {
  const bits = [schema.description, range(schema)].filter(Boolean);
  return bits.length ? (
    <small id={id} className="sf-hint muted">
      {bits.join(' · ')}
    </small>
  ) : null;
}

function Errors({ id, messages }: { id: string; messages: string[] | undefined }) {
  if (!messages?.length) return null;
  return (
    <span id={id} className="sf-error" data-testid="field-error">
      {messages.join('; ')}
    </span>
  );
}

function Field({
  ctx,
  name,
  path,
  schema,
  required,
}: {
  ctx: Ctx;
  name: string;
  path: string[];
  schema: JsonSchema;
  required: boolean;
}) {
  const kind = kindOf(schema);
  const dotted = path.join('.');
  const fid = `${ctx.id}-${path.join('-') || 'input'}`;
  const errs = ctx.errors.get(dotted);
  const described = [schema.description ? `${fid}-hint` : '', errs?.length ? `${fid}-err` : '']
    .filter(Boolean)
    .join(' ');
  const value = getAt(ctx.value, path);
  const set = (x: unknown) => ctx.onChange(setAt(ctx.value, path, x));
  const label = (
    <>
      <span className="sf-name mono">{name}</span>
      {required ? <span className="muted"> (required)</span> : null}
    </>
  );
  const common = {
    id: fid,
    'aria-describedby': described || undefined,
    'aria-invalid': errs?.length ? true : undefined,
  };

  if (kind === 'object')
    return (
      <fieldset className="sf-object" aria-describedby={described || undefined}>
        <legend>{label}</legend>
        <Hint id={`${fid}-hint`} schema={schema} />
        <Errors id={`${fid}-err`} messages={errs} />
        <ObjectFields ctx={ctx} schema={schema} path={path} />
      </fieldset>
    );
  if (kind === 'boolean')
    return (
      <div className="sf-field sf-check">
        <input
          type="checkbox"
          {...common}
          checked={value === true}
          onChange={(e) => set(e.target.checked ? true : schema.default === undefined ? undefined : false)}
        />
        <label htmlFor={fid}>{label}</label>
        <Hint id={`${fid}-hint`} schema={schema} />
        <Errors id={`${fid}-err`} messages={errs} />
      </div>
    );
  return (
    <div className={`sf-field${kind === 'json' || kind === 'lines' ? ' sf-wide' : ''}`}>
      <label htmlFor={fid}>{label}</label>
      {kind === 'enum' ? (
        <select
          {...common}
          value={typeof value === 'string' ? value : ''}
          onChange={(e) => set(e.target.value || undefined)}
        >
          {schema.default === undefined ? <option value="">—</option> : null}
          {(schema.enum as string[]).map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      ) : kind === 'string' ? (
        <input
          {...common}
          value={typeof value === 'string' ? value : ''}
          maxLength={schema.maxLength}
          onChange={(e) => set(e.target.value === '' ? undefined : e.target.value)}
        />
      ) : kind === 'number' || kind === 'integer' ? (
        <NumberInput common={common} value={value} integer={kind === 'integer'} onChange={set} />
      ) : kind === 'lines' ? (
        <LinesInput common={common} value={value} onChange={set} />
      ) : (
        <JsonInput common={common} value={value} onChange={set} onError={(m) => ctx.onJsonError(dotted, m)} />
      )}
      <Hint id={`${fid}-hint`} schema={schema} />
      <Errors id={`${fid}-err`} messages={errs} />
    </div>
  );
}

type Common = { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean };

function NumberInput({
  common,
  value,
  integer,
  onChange,
}: {
  common: Common;
  value: unknown;
  integer: boolean;
  onChange: (v: unknown) => void;
}) {
  return (
    <input
      {...common}
      type="number"
      inputMode={integer ? 'numeric' : 'decimal'}
      step={integer ? 1 : 'any'}
      value={typeof value === 'number' ? String(value) : ''}
      onChange={(e) => onChange(e.target.value === '' ? undefined : Number(e.target.value))}
    />
  );
}

/** One string per line (empty lines ignored). */
function LinesInput({ common, value, onChange }: { common: Common; value: unknown; onChange: (v: unknown) => void }) {
  const [text, setText] = useState(Array.isArray(value) ? value.join('\n') : '');
  return (
    <textarea
      {...common}
      rows={3}
      value={text}
      placeholder="one per line"
      onChange={(e) => {
        setText(e.target.value);
        const lines = e.target.value
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean);
        onChange(lines.length ? lines : undefined);
      }}
    />
  );
}

/** Any JSON value, checked as it is typed. */
function JsonInput({
  common,
  value,
  onChange,
  onError,
}: {
  common: Common;
  value: unknown;
  onChange: (v: unknown) => void;
  onError: (message: string | undefined) => void;
}) {
  const [text, setText] = useState(value === undefined ? '' : JSON.stringify(value, null, 2));
  const [bad, setBad] = useState<string | undefined>();
  return (
    <>
      <textarea
        {...common}
        className="mono"
        rows={Math.min(10, Math.max(3, text.split('\n').length))}
        value={text}
        placeholder="JSON"
        spellCheck={false}
        onChange={(e) => {
          setText(e.target.value);
          if (!e.target.value.trim()) {
            setBad(undefined);
            onError(undefined);
            onChange(undefined);
            return;
          }
          try {
            const v: unknown = JSON.parse(e.target.value);
            setBad(undefined);
            onError(undefined);
            onChange(v);
          } catch (err) {
            const m = `not valid JSON yet: ${(err as Error).message}`;
            setBad(m);
            onError(m);
          }
        }}
      />
      {bad ? <span className="sf-error">{bad}</span> : null}
    </>
  );
}
