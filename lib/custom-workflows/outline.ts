// The outline of a definition's text, for drawing it as a graph cheaply: its steps (id, kind, nesting,
// where each is in the text) and its data references (`${{ steps.<id>.output… }}`) with their
// positions. Built from the parsed YAML as it is — also for a draft with problems — so a graph can be
// drawn while the text is being written; what is wrong is for checkDefinition to say.
import type { Document, LineCounter } from 'yaml';
import { exprRefs, parseCondition, parseTemplate, templatesIn, type Expr } from '../../workflows/contract/custom-expr';
import { STEP_KINDS } from '../../workflows/contract/custom-types';
import { formatPath, nodeAt, type FieldPath } from './validate';

export interface Span {
  line: number;
  col: number;
  endLine: number;
  endCol: number;
}

export interface OutlineStep extends Span {
  /** Undefined when the step has no (text) id yet. */
  id?: string;
  /** The step kind (shell, http, …, parallel, condition, loop); undefined when it has none or several. */
  kind?: string;
  name?: string;
  /** e.g. `steps[2].parallel.branches[0].steps[1]` */
  path: string;
  /** Nested steps: `then`/`else` of a condition, `steps` of a loop or a parallel, `branches[i]`. */
  groups?: { label: string; path: string; steps: OutlineStep[] }[];
}

export interface OutlineRef extends Span {
  /** The step whose field holds the reference; undefined in the definition's `outputs`. */
  from?: string;
  /** The step id referred to (it may not exist: see the problems). */
  to: string;
  /** The field holding it, e.g. `steps[3].memory.value.head`. */
  path: string;
}

export interface Outline {
  name?: string;
  description?: string;
  inputs: string[];
  steps: OutlineStep[];
  refs: OutlineRef[];
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
/** Fields holding a bare expression rather than text with `${{ }}`. */
const CONDITION_FIELDS = new Set(['condition.if', 'loop.while', 'loop.over']);

/** `raw`: the document as plain data (checkDefinition's `raw`). */
export function outlineOf(doc: Document, lineCounter: LineCounter, source: string, raw: unknown): Outline {
  const top = isObject(raw) ? raw : {};
  const spanOf = (path: FieldPath): Span => {
    const range = nodeAt(doc, path, false)?.range;
    const a = lineCounter.linePos(range?.[0] ?? 0);
    const b = lineCounter.linePos(range?.[1] ?? range?.[0] ?? 0);
    return { line: a.line, col: a.col, endLine: b.line, endCol: b.col };
  };
  const bare: { path: FieldPath; text: string }[] = [];
  /** Step paths by their formatted path, for finding the step a reference is in. */
  const stepIds = new Map<string, string | undefined>();

  const steps = (list: unknown, base: FieldPath): OutlineStep[] =>
    Array.isArray(list) ? list.map((item, i) => step(item, [...base, i])) : [];

  const step = (item: unknown, path: FieldPath): OutlineStep => {
    const s = isObject(item) ? item : {};
    const id = typeof s.id === 'string' ? s.id : undefined;
    const kinds = Object.keys(s).filter((k) => (STEP_KINDS as readonly string[]).includes(k));
    const kind = kinds.length === 1 ? kinds[0] : undefined;
    stepIds.set(formatPath(path), id);
    const out: OutlineStep = {
      ...(id !== undefined ? { id } : {}),
      ...(kind ? { kind } : {}),
      ...(typeof s.name === 'string' ? { name: s.name } : {}),
      path: formatPath(path),
      ...spanOf(path),
    };
    const body = kind ? s[kind] : undefined;
    if (!kind || !isObject(body)) return out;
    // Bare expressions (no ${{ }}), which templatesIn does not find.
    for (const field of ['if', 'while', 'over']) {
      const v = body[field];
      if (typeof v === 'string' && !v.includes('${{') && CONDITION_FIELDS.has(`${kind}.${field}`)) {
        bare.push({ path: [...path, kind, field], text: v });
      }
    }
    const group = (label: string, p: FieldPath, list: unknown) => ({
      label,
      path: formatPath(p),
      steps: steps(list, p),
    });
    const at = [...path, kind];
    if (kind === 'condition') {
      out.groups = [group('then', [...at, 'then'], body.then), group('else', [...at, 'else'], body.else)];
    } else if (kind === 'loop') out.groups = [group('steps', [...at, 'steps'], body.steps)];
    else if (kind === 'parallel') {
      out.groups = [];
      if (Array.isArray(body.steps)) out.groups.push(group('steps', [...at, 'steps'], body.steps));
      if (Array.isArray(body.branches)) {
        body.branches.forEach((b, i) => {
          if (isObject(b)) out.groups?.push(group(`branches[${i}]`, [...at, 'branches', i, 'steps'], b.steps));
        });
      }
    }
    return out;
  };

  const tree = steps(top.steps, ['steps']);
  const refs: OutlineRef[] = [];
  const texts = [
    ...templatesIn({ steps: top.steps, outputs: top.outputs }).map((t) => ({ ...t, condition: false })),
    ...bare.map((t) => ({ ...t, condition: true })),
  ].sort((a, b) => spanOf(a.path).line - spanOf(b.path).line || spanOf(a.path).col - spanOf(b.path).col);
  for (const t of texts) {
    let exprs: Expr[];
    try {
      if (t.condition) exprs = [parseCondition(t.text)];
      else {
        const tpl = parseTemplate(t.text);
        exprs = !tpl ? [] : 'whole' in tpl ? [tpl.whole] : tpl.parts.filter((p): p is Expr => typeof p !== 'string');
      }
    } catch {
      continue; // a bad expression is one of the problems
    }
    const from = enclosingStep(t.path, stepIds);
    const span = spanOf(t.path);
    const range = nodeAt(doc, t.path, false)?.range;
    for (const e of exprs) {
      for (const r of exprRefs(e)) {
        if (r.root !== 'steps' || r.name === undefined) continue;
        refs.push({ ...(from ? { from } : {}), to: r.name, path: formatPath(t.path), ...exact(r.name, span) });
      }
    }
    // The exact place of `steps.<id>` within the node when it is written there as such.
    function exact(id: string, fallback: Span): Span {
      if (!range) return fallback;
      const i = source
        .slice(range[0], range[1])
        .search(new RegExp(`steps\\s*\\.\\s*${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`));
      if (i < 0) return fallback;
      const a = lineCounter.linePos(range[0] + i);
      const b = lineCounter.linePos(range[0] + i + 'steps.'.length + id.length);
      return { line: a.line, col: a.col, endLine: b.line, endCol: b.col };
    }
  }
  return {
    ...(typeof top.name === 'string' ? { name: top.name } : {}),
    ...(typeof top.description === 'string' ? { description: top.description } : {}),
    inputs: isObject(top.inputs) ? Object.keys(top.inputs) : [],
    steps: tree,
    refs,
  };
}

/** The id of the innermost step whose path is a prefix of `path`. */
function enclosingStep(path: FieldPath, stepIds: Map<string, string | undefined>): string | undefined {
  for (let n = path.length; n > 0; n--) {
    const key = formatPath(path.slice(0, n));
    if (stepIds.has(key)) return stepIds.get(key);
  }
  return undefined;
}
