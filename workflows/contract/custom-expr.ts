// The expression language of custom workflows: `${{ ... }}` inside strings of a definition.
// Deliberately small and safe: literals, member access (`a.b`, `a[0]`, `a['b']`), comparisons
// (== != < <= > >=), && || ! and parentheses. No calls, no assignment, no arithmetic, no eval: an
// expression can only read the scope it is given (inputs, step results, the loop item, the run).
// Shared by the loader (parse and check references at load time) and the interpreter (evaluate in
// the workflow), so it imports nothing.

export type Expr =
  | { k: 'lit'; v: unknown }
  | { k: 'path'; root: string; segs: (string | Expr)[] }
  | { k: 'not'; e: Expr }
  | { k: 'bin'; op: BinOp; l: Expr; r: Expr };

type BinOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | '&&' | '||';

/** The names an expression may start with. */
export const EXPR_ROOTS = ['inputs', 'steps', 'loop', 'workflow'] as const;

export class ExprError extends Error {
  override name = 'ExprError';
  constructor(
    message: string,
    /** Offset in the expression text. */
    readonly offset = 0,
  ) {
    super(message);
  }
}

interface Token {
  t: 'num' | 'str' | 'id' | 'op' | 'end';
  v: string;
  at: number;
}

const OPS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '.', '[', ']', '(', ')'];

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(src.slice(i)) as RegExpExecArray;
      out.push({ t: 'num', v: m[0], at: i });
      i += m[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && j + 1 < src.length) {
          const n = src[j + 1];
          s += n === 'n' ? '\n' : n === 't' ? '\t' : n;
          j += 2;
        } else s += src[j++];
      }
      if (j >= src.length) throw new ExprError(`unterminated string starting at column ${i + 1}`, i);
      out.push({ t: 'str', v: s, at: i });
      i = j + 1;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i)) as RegExpExecArray;
      out.push({ t: 'id', v: m[0], at: i });
      i += m[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) {
      const hint = c === '=' ? ' (compare with ==)' : c === '&' || c === '|' ? ' (use && or ||)' : '';
      throw new ExprError(`unexpected "${c}" at column ${i + 1}${hint}`, i);
    }
    out.push({ t: 'op', v: op, at: i });
    i += op.length;
  }
  out.push({ t: 'end', v: '', at: src.length });
  return out;
}

/** Parses one expression (the text between `${{` and `}}`). Throws ExprError saying what is wrong. */
export function parseExpr(src: string): Expr {
  if (src.trim() === '') throw new ExprError('empty expression');
  if (src.length > 2000) throw new ExprError('expression longer than 2000 characters');
  const toks = tokenize(src);
  let p = 0;
  const peek = () => toks[p];
  const next = () => toks[p++];
  const isOp = (v: string) => peek().t === 'op' && peek().v === v;
  const expect = (v: string) => {
    if (!isOp(v)) throw new ExprError(`expected "${v}" at column ${peek().at + 1}`, peek().at);
    p++;
  };
  const binary = (ops: BinOp[], sub: () => Expr) => (): Expr => {
    let l = sub();
    while (peek().t === 'op' && (ops as string[]).includes(peek().v)) {
      const op = next().v as BinOp;
      l = { k: 'bin', op, l, r: sub() };
    }
    return l;
  };
  const primary = (): Expr => {
    const t = next();
    if (t.t === 'num') return { k: 'lit', v: Number(t.v) };
    if (t.t === 'str') return { k: 'lit', v: t.v };
    if (t.t === 'op' && t.v === '(') {
      const e = or();
      expect(')');
      return e;
    }
    if (t.t === 'op' && t.v === '!') return { k: 'not', e: primary() };
    if (t.t === 'id') {
      if (t.v === 'true' || t.v === 'false') return { k: 'lit', v: t.v === 'true' };
      if (t.v === 'null') return { k: 'lit', v: null };
      if (!(EXPR_ROOTS as readonly string[]).includes(t.v)) {
        throw new ExprError(`unknown name "${t.v}"; expressions start with ${EXPR_ROOTS.join(', ')}`, t.at);
      }
      const segs: (string | Expr)[] = [];
      for (;;) {
        if (isOp('.')) {
          p++;
          const id = next();
          if (id.t !== 'id') throw new ExprError(`expected a name after "." at column ${id.at + 1}`, id.at);
          segs.push(id.v);
        } else if (isOp('[')) {
          p++;
          const e = or();
          expect(']');
          segs.push(e.k === 'lit' && (typeof e.v === 'string' || typeof e.v === 'number') ? String(e.v) : e);
        } else break;
      }
      if (peek().t === 'op' && peek().v === '(') {
        throw new ExprError('function calls are not allowed in expressions', peek().at);
      }
      return { k: 'path', root: t.v, segs };
    }
    throw new ExprError(
      t.t === 'end' ? 'expression ends too early' : `unexpected "${t.v}" at column ${t.at + 1}`,
      t.at,
    );
  };
  const cmp = binary(['==', '!=', '<', '<=', '>', '>='], primary);
  const and = binary(['&&'], cmp);
  const or: () => Expr = binary(['||'], and);
  const e = or();
  if (peek().t !== 'end') throw new ExprError(`unexpected "${peek().v}" at column ${peek().at + 1}`, peek().at);
  return e;
}

/** Every `root.first` the expression reads, e.g. `steps.build` or `inputs.branch`. */
export function exprRefs(e: Expr, out: { root: string; name?: string }[] = []): { root: string; name?: string }[] {
  if (e.k === 'path') {
    const first = e.segs[0];
    out.push({ root: e.root, name: typeof first === 'string' ? first : undefined });
    for (const s of e.segs) if (typeof s !== 'string') exprRefs(s, out);
  } else if (e.k === 'not') exprRefs(e.e, out);
  else if (e.k === 'bin') {
    exprRefs(e.l, out);
    exprRefs(e.r, out);
  }
  return out;
}

export type Scope = Record<string, unknown>;

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return a == b; // eslint-disable-line eqeqeq -- null == undefined
  if (typeof a === 'object' && typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return false;
}

function order(op: BinOp, a: unknown, b: unknown): boolean {
  const ok = (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string');
  if (!ok) return false;
  const [x, y] = [a as number, b as number];
  return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
}

/** Evaluates against `scope`. Reading a missing member gives undefined (never throws). */
export function evalExpr(e: Expr, scope: Scope): unknown {
  switch (e.k) {
    case 'lit':
      return e.v;
    case 'not':
      return !evalExpr(e.e, scope);
    case 'path': {
      let cur: unknown = scope[e.root];
      for (const s of e.segs) {
        const key = typeof s === 'string' ? s : evalExpr(s, scope);
        if (cur === null || cur === undefined || typeof cur !== 'object') return undefined;
        if (typeof key !== 'string' && typeof key !== 'number') return undefined;
        const k = String(key);
        if (!Object.prototype.hasOwnProperty.call(cur, k)) return undefined;
        cur = (cur as Record<string, unknown>)[k];
      }
      return cur;
    }
    case 'bin': {
      if (e.op === '&&') {
        const l = evalExpr(e.l, scope);
        return l ? evalExpr(e.r, scope) : l;
      }
      if (e.op === '||') {
        const l = evalExpr(e.l, scope);
        return l ? l : evalExpr(e.r, scope);
      }
      const l = evalExpr(e.l, scope);
      const r = evalExpr(e.r, scope);
      if (e.op === '==') return equal(l, r);
      if (e.op === '!=') return !equal(l, r);
      return order(e.op, l, r);
    }
  }
}

/** A string with `${{ }}` parts: either one whole expression (its value keeps its type) or text parts. */
export type Template = { whole: Expr } | { parts: (string | Expr)[] };

const OPEN = '${{';
const CLOSE = '}}';

/** Splits a string into text and expressions. Throws ExprError (offset into the string) when malformed. */
export function parseTemplate(text: string): Template | undefined {
  if (!text.includes(OPEN)) return undefined;
  const parts: (string | Expr)[] = [];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf(OPEN, i);
    if (open < 0) {
      parts.push(text.slice(i));
      break;
    }
    if (open > i) parts.push(text.slice(i, open));
    const close = text.indexOf(CLOSE, open + OPEN.length);
    if (close < 0) throw new ExprError(`"${OPEN}" at column ${open + 1} has no closing "${CLOSE}"`, open);
    const src = text.slice(open + OPEN.length, close);
    try {
      parts.push(parseExpr(src));
    } catch (err) {
      const e = err as ExprError;
      throw new ExprError(`in "${OPEN}${src}${CLOSE}": ${e.message}`, open);
    }
    i = close + CLOSE.length;
  }
  if (parts.length === 1 && typeof parts[0] !== 'string') return { whole: parts[0] };
  return { parts };
}

/**
 * Parses a condition-like field: `${{ expr }}` or a bare expression (`steps.a.output.ok == true`).
 */
export function parseCondition(text: string): Expr {
  const t = text.trim();
  if (t.startsWith(OPEN)) {
    const tpl = parseTemplate(t);
    if (tpl && 'whole' in tpl) return tpl.whole;
    throw new ExprError(`write one expression: "${OPEN} ... ${CLOSE}" with nothing around it`);
  }
  return parseExpr(t);
}

function show(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

export function renderTemplate(t: Template, scope: Scope): unknown {
  if ('whole' in t) return evalExpr(t.whole, scope);
  return t.parts.map((p) => (typeof p === 'string' ? p : show(evalExpr(p, scope)))).join('');
}

/** Renders every string inside `value` (objects and arrays walked), leaving other values as they are. */
export function renderValue(value: unknown, scope: Scope): unknown {
  if (typeof value === 'string') {
    const t = parseTemplate(value);
    return t ? renderTemplate(t, scope) : value;
  }
  if (Array.isArray(value)) return value.map((v) => renderValue(v, scope));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = renderValue(v, scope);
    return out;
  }
  return value;
}

/** Every expression inside `value` (strings walked in objects and arrays), with its path suffix. */
export function templatesIn(
  value: unknown,
  path: (string | number)[] = [],
): { path: (string | number)[]; text: string }[] {
  if (typeof value === 'string') return value.includes(OPEN) ? [{ path, text: value }] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => templatesIn(v, [...path, i]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => templatesIn(v, [...path, k]));
  }
  return [];
}
