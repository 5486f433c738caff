// Visual edits applied to the YAML text itself. Each edit is a pure function (text, args) → the new
// text and the changes that make it ({from, to, insert}, positions in the old text, sorted and not
// overlapping: one CodeMirror transaction). Only the lines an edit touches are spliced; comments,
// key order, quoting and formatting everywhere else stay byte-identical. Indentation follows the
// file's own. Bad arguments throw EditError saying what to do instead.
import { isMap, isPair, isScalar, isSeq, stringify, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import type { StepKind } from '../../../workflows/contract/custom-types';
import {
  modelOf,
  getIn,
  isGroupKind,
  listKeyOf,
  subtree,
  type GraphModel,
  type Path,
  type Reference,
  type StepList,
  type StepNode,
} from './model';

export interface Change {
  from: number;
  to: number;
  insert: string;
}

export interface EditResult {
  text: string;
  changes: Change[];
  /** The key of the step the edit made or moved (to select it). */
  key?: string;
  /** References that no longer name a step (after a delete). */
  dangling?: Reference[];
}

export class EditError extends Error {
  override name = 'EditError';
}

/** Where a step goes: after or before a step, or at the start or end of a list (by its key). */
export type Where = { after: string } | { before: string } | { list: string; at: 'start' | 'end' };

const TOP_ORDER = ['name', 'description', 'inputs', 'steps', 'outputs'];
const STEP_ORDER = ['id', 'name'];

export const ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** A new step's body: the kind's required fields, filled with an example that passes validation. */
export const STEP_TEMPLATES: Record<StepKind, Record<string, unknown>> = {
  shell: { command: 'echo', args: ['hello'] },
  http: { url: 'https://example.com/health' },
  ai: { prompt: 'Say what the model should do' },
  memory: { action: 'get', namespace: 'workflows/custom/', key: 'key' },
  github: { action: 'comment', repo: 'owner/name', issue: 1, body: 'A comment' },
  approval: { title: 'Go ahead?' },
  child: { type: 'systemCheck' },
  parallel: { steps: [] },
  condition: { if: 'true', then: [] },
  loop: { over: [1], max: 1, steps: [] },
};

// ---------------------------------------------------------------------------------------------
// Text helpers

export function applyChanges(text: string, changes: Change[]): string {
  const sorted = [...changes].sort((a, b) => a.from - b.from || a.to - b.to);
  let out = '';
  let at = 0;
  for (const c of sorted) {
    if (c.from < at) throw new EditError('overlapping changes');
    out += text.slice(at, c.from) + c.insert;
    at = c.to;
  }
  return out + text.slice(at);
}

const lineStart = (text: string, off: number) => text.lastIndexOf('\n', off - 1) + 1;
/** The offset after the line's newline (or the end of the text). */
function lineEnd(text: string, off: number): number {
  const nl = text.indexOf('\n', off);
  return nl < 0 ? text.length : nl + 1;
}
const sp = (n: number) => ' '.repeat(Math.max(0, n));
const colOf = (text: string, off: number) => off - lineStart(text, off);
const lineText = (text: string, start: number) => text.slice(start, lineEnd(text, start)).replace(/\r?\n$/, '');
const isBlank = (line: string) => line.trim() === '';
const indentOf = (line: string) => line.length - line.trimStart().length;
const isComment = (line: string) => line.trimStart().startsWith('#');

function contentEnd(text: string, node: Node | null | undefined, fallback: number): number {
  let end = node?.range?.[1] ?? fallback;
  while (end > 0 && /\s/.test(text[end - 1])) end--;
  return Math.max(end, fallback);
}

function result(text: string, changes: Change[], extra: Partial<EditResult> = {}): EditResult {
  // A file with CRLF line ends keeps them in what is inserted.
  const crlf = text.includes('\r\n');
  const sorted = changes
    .filter((c) => c.from !== c.to || c.insert !== '')
    .map((c) => (crlf ? { ...c, insert: c.insert.replace(/\r?\n/g, '\r\n') } : c))
    .sort((a, b) => a.from - b.from);
  return { text: applyChanges(text, sorted), changes: sorted, ...extra };
}

// ---------------------------------------------------------------------------------------------
// The file's style

interface Style {
  /** Indentation of a nested mapping. */
  unit: number;
  /** A block sequence's dash, relative to its key (0: `key:\n- item`). */
  seqIndent: number;
}

function detectStyle(doc: Document, text: string): Style {
  let unit: number | undefined;
  let seqIndent: number | undefined;
  const visit = (node: unknown) => {
    if (unit !== undefined && seqIndent !== undefined) return;
    if (isMap(node) && !node.flow) {
      for (const p of node.items) {
        if (!isPair(p) || !isScalar(p.key) || !p.key.range) continue;
        const keyCol = colOf(text, p.key.range[0]);
        const v = p.value;
        if (isMap(v) && !v.flow && v.items.length && isPair(v.items[0]) && isScalar(v.items[0].key)) {
          const k = v.items[0].key;
          if (k.range && unit === undefined && lineStart(text, k.range[0]) !== lineStart(text, p.key.range[0])) {
            unit = colOf(text, k.range[0]) - keyCol;
          }
        }
        if (isSeq(v) && !v.flow && v.items.length && seqIndent === undefined) {
          const first = v.items[0] as Node;
          const dash = first?.range ? dashBefore(text, first.range[0]) : -1;
          if (dash >= 0) seqIndent = colOf(text, dash) - keyCol;
        }
        visit(v);
      }
    } else if (isSeq(node) && !node.flow) for (const it of node.items) visit(it);
  };
  visit(doc.contents);
  return { unit: unit && unit > 0 ? unit : 2, seqIndent: seqIndent ?? unit ?? 2 };
}

/** The offset of the `-` that starts a block sequence item whose content starts at `from`, or -1. */
function dashBefore(text: string, from: number): number {
  let i = from - 1;
  while (i >= 0 && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i--;
  if (i < 0 || text[i] !== '-') return -1;
  // Only spaces before the dash on its line.
  const ls = lineStart(text, i);
  return /^[ ]*$/.test(text.slice(ls, i)) ? i : -1;
}

// ---------------------------------------------------------------------------------------------
// Blocks: the lines of one step

interface Block {
  /** First line of the step's leading comments (or its dash line). */
  start: number;
  /** Start of the dash line. */
  dashLine: number;
  /** After the newline of its last line. */
  end: number;
  dashCol: number;
  /** Column of the step's keys. */
  contentCol: number;
}

function blockOf(model: GraphModel, n: StepNode): Block {
  const { text } = model;
  const dash = dashBefore(text, n.from);
  const list = model.listByKey.get(n.list);
  if (dash < 0 || list?.flow) {
    throw new EditError(
      `step "${n.label}" is in a list written in flow style ([...]); write that list as block lines ("- id: ...") to edit it here`,
    );
  }
  const dashLine = lineStart(text, dash);
  const dashCol = dash - dashLine;
  let start = dashLine;
  while (start > 0) {
    const prev = lineStart(text, start - 1);
    const line = lineText(text, prev);
    if (isComment(line) && indentOf(line) === dashCol) start = prev;
    else break;
  }
  let end = lineEnd(text, Math.max(n.from, n.to - 1));
  while (end < text.length) {
    const line = lineText(text, end);
    if (isComment(line) && indentOf(line) > dashCol) end = lineEnd(text, end);
    else break;
  }
  return { start, dashLine, end, dashCol, contentCol: colOf(text, n.from) };
}

/** Whether the list's steps are separated by blank lines. */
function blankSeparated(model: GraphModel, list: StepList): boolean {
  for (let i = 0; i + 1 < list.steps.length; i++) {
    const a = blockOf(model, model.byKey.get(list.steps[i]) as StepNode);
    const b = blockOf(model, model.byKey.get(list.steps[i + 1]) as StepNode);
    if (isBlank(model.text.slice(a.end, b.start))) {
      if (b.start > a.end) return true;
    }
  }
  return false;
}

function reindent(lines: string, delta: number): string {
  if (delta === 0) return lines;
  return lines.replace(/^[^\n]*/gm, (l) => {
    if (isBlank(l)) return l;
    if (delta > 0) return sp(delta) + l;
    const cut = Math.min(-delta, indentOf(l));
    return l.slice(cut);
  });
}

// ---------------------------------------------------------------------------------------------
// Rendering values

const PLAIN_SAFE = /^(?:[A-Za-z0-9_./]|-(?=[A-Za-z0-9_-]))[A-Za-z0-9_./ :@-]*$/;

function scalarText(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const s = String(v);
  if (s.includes('\n')) return JSON.stringify(s);
  if (PLAIN_SAFE.test(s) && !/: |:$| $/.test(s)) {
    // Plain only when it reads back as the same string (not a number, bool or null).
    const back: unknown = stringify(s, { lineWidth: 0 }).trim();
    if (back === s) return s;
  }
  return stringify(s, { lineWidth: 0, defaultStringType: 'QUOTE_SINGLE' }).trim();
}

function flowText(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(flowText).join(', ')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    return entries.length ? `{ ${entries.map(([k, x]) => `${scalarText(k)}: ${flowText(x)}`).join(', ')} }` : '{}';
  }
  return scalarText(v);
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
const inlineable = (v: unknown) =>
  (!isPlainObject(v) && !Array.isArray(v) && !(typeof v === 'string' && v.includes('\n'))) ||
  (Array.isArray(v) && v.every((x) => !isPlainObject(x) && !Array.isArray(x)) && flowText(v).length <= 60) ||
  (isPlainObject(v) && Object.keys(v).length === 0);

/** ` value` on the key's line, or `\n` + lines indented at `indent` (no final newline). */
function valueText(v: unknown, indent: number, style: Style): string {
  if (typeof v === 'string' && v.includes('\n') && !/^\s/.test(v) && !/[ \t]\n/.test(v)) {
    const chomp = v.endsWith('\n') ? (v.endsWith('\n\n') ? '+' : '') : '-';
    const body = v.replace(/\n$/, '');
    return ` |${chomp}\n${body
      .split('\n')
      .map((l) => (l ? sp(indent) + l : l))
      .join('\n')}`;
  }
  if (inlineable(v)) return ` ${flowText(v)}`;
  if (Array.isArray(v)) {
    const dash = indent - style.unit + style.seqIndent;
    return `\n${v.map((x) => seqItemText(x, dash, style)).join('\n')}`;
  }
  return `\n${mapLines(v as Record<string, unknown>, indent, style)}`;
}

function mapLines(obj: Record<string, unknown>, indent: number, style: Style): string {
  return Object.entries(obj)
    .map(([k, x]) => `${sp(indent)}${scalarText(k)}:${valueText(x, indent + style.unit, style)}`)
    .join('\n');
}

function seqItemText(x: unknown, dash: number, style: Style): string {
  if (isPlainObject(x) && Object.keys(x).length) {
    const lines = mapLines(x, dash + 2, style);
    return `${sp(dash)}- ${lines.slice(dash + 2)}`;
  }
  return `${sp(dash)}-${valueText(x, dash + 2, style)}`;
}

/** A new step's lines (ending in a newline). */
function stepText(id: string, kind: StepKind, body: Record<string, unknown>, dashCol: number, style: Style): string {
  return `${seqItemText({ id, [kind]: body }, dashCol, style)}\n`;
}

// ---------------------------------------------------------------------------------------------
// Model helpers

function stepOf(model: GraphModel, key: string): StepNode {
  const n = model.byKey.get(key);
  if (!n) throw new EditError(`no step "${key}" in this definition; pick a step that is in the graph`);
  return n;
}

function listOf(model: GraphModel, key: string): StepList {
  const l = model.listByKey.get(key);
  if (!l) {
    throw new EditError(
      `no list "${key}" in this definition; lists are ${model.lists.map((x) => x.key).join(', ') || 'steps'}`,
    );
  }
  return l;
}

function allIds(model: GraphModel): Set<string> {
  const out = new Set<string>();
  for (const n of model.nodes) if (n.id !== undefined) out.add(n.id);
  return out;
}

/** `kind_1`, `kind_2`, …: the first not taken. */
export function freshId(model: GraphModel, base: string, taken = allIds(model)): string {
  for (let n = 1; ; n++) {
    const id = `${base}_${n}`;
    if (!taken.has(id)) return id;
  }
}

interface Slot {
  /** Insert here. */
  at: number;
  dashCol: number;
  /** Text before/after the step's lines (blank-line separators, a newline at the end of the file). */
  before: string;
  after: string;
  /** Extra changes that make the list exist (e.g. `[]` → a block list, or a new `else:` key). */
  prelude?: Change;
  list: StepList;
}

function keyColOfList(model: GraphModel, list: StepList): number | undefined {
  const { text, doc } = model;
  const parentPath = list.path.slice(0, -1);
  const parent = parentPath.length ? getIn(doc, parentPath) : doc.contents;
  if (isMap(parent)) {
    const p = parent.items.find(
      (x) => isPair(x) && isScalar(x.key) && String(x.key.value) === String(list.path[list.path.length - 1]),
    );
    const k = (p as Pair | undefined)?.key as Node | undefined;
    if (k?.range) return colOf(text, k.range[0]);
    const first = parent.items[0] as Pair | undefined;
    const fk = first?.key as Node | undefined;
    if (fk?.range && !parent.flow) return colOf(text, fk.range[0]);
  }
  return undefined;
}

/** Where a new step's lines go for `where`. */
function slotFor(model: GraphModel, where: Where, style: Style, exclude?: string): Slot {
  const { text } = model;
  const eof = (at: number) => (at === text.length && text.length > 0 && !text.endsWith('\n') ? '\n' : '');
  if ('after' in where || 'before' in where) {
    const ref = stepOf(model, 'after' in where ? where.after : where.before);
    const list = listOf(model, ref.list);
    const b = blockOf(model, ref);
    const sep = blankSeparated(model, list) ? '\n' : '';
    if ('after' in where) return { at: b.end, dashCol: b.dashCol, before: eof(b.end) + sep, after: '', list };
    return { at: b.start, dashCol: b.dashCol, before: '', after: sep, list };
  }
  const list = listOf(model, where.list);
  const steps = list.steps.filter((s) => s !== exclude);
  if (steps.length) {
    return slotFor(model, where.at === 'start' ? { before: steps[0] } : { after: steps[steps.length - 1] }, style);
  }
  // An empty, null or missing list.
  const seq = getIn(model.doc, list.path);
  const keyCol = keyColOfList(model, list);
  if (isSeq(seq) && seq.items.length > 0) {
    // Only the excluded step is in it: put the new one beside it.
    const only = stepOf(model, list.steps[0]);
    const b = blockOf(model, only);
    return { at: where.at === 'start' ? b.start : b.end, dashCol: b.dashCol, before: eof(b.end), after: '', list };
  }
  const parentPath = list.path.slice(0, -1);
  const parent = parentPath.length ? getIn(model.doc, parentPath) : model.doc.contents;
  const name = String(list.path[list.path.length - 1]);
  const pair = isMap(parent)
    ? (parent.items.find((x) => isPair(x) && isScalar(x.key) && String(x.key.value) === name) as Pair | undefined)
    : undefined;
  if (pair && isScalar(pair.key) && pair.key.range) {
    const kc = colOf(text, pair.key.range[0]);
    const dashCol = kc + style.seqIndent;
    const colon = text.indexOf(':', pair.key.range[1]);
    if (isSeq(seq) && seq.flow && seq.range) {
      // `steps: []` → `steps:` and the new lines below.
      const end = seq.range[1];
      const rest = lineEnd(text, end);
      return {
        at: rest,
        dashCol,
        before: eof(rest),
        after: '',
        list,
        prelude: { from: colon + 1, to: end, insert: '' },
      };
    }
    const empty = !seq || (isScalar(seq) && seq.value === null);
    if (!empty) throw new EditError(`"${name}" is not a list of steps; write it as one (e.g. ${name}: [])`);
    const at = lineEnd(text, colon);
    return { at, dashCol, before: eof(at), after: '', list };
  }
  // The key is missing: add `name:` to the owner's map.
  if (
    !isMap(parent) &&
    !(
      parentPath.length === 0 &&
      (parent === null || parent === undefined || (isScalar(parent) && parent.value === null))
    )
  ) {
    throw new EditError(`cannot add steps here: ${listKeyOf(parentPath) || 'the document'} is not a mapping`);
  }
  const mapNode = isMap(parent) ? parent : undefined;
  if (mapNode?.flow)
    throw new EditError(`${listKeyOf(parentPath)} is written in flow style ({...}); edit it in the text`);
  const kc = keyCol ?? 0;
  let at = text.length;
  if (mapNode && mapNode.items.length) {
    // Top-level steps go before outputs; anything else at the end of its map.
    const items = mapNode.items as Pair[];
    const outputs =
      parentPath.length === 0 ? items.find((p) => isScalar(p.key) && p.key.value === 'outputs') : undefined;
    if (outputs && isScalar(outputs.key) && outputs.key.range) at = lineStart(text, outputs.key.range[0]);
    else at = pairEnd(text, items[items.length - 1]);
  }
  return {
    at,
    dashCol: kc + style.seqIndent,
    before: eof(at) + `${sp(kc)}${name}:\n`,
    after: '',
    list,
  };
}

/** After the newline of a block pair's last line (and the deeper comments that follow it). */
function pairEnd(text: string, p: Pair): number {
  const k = p.key as Node;
  const v = p.value as Node | null;
  const keyCol = k.range ? colOf(text, k.range[0]) : 0;
  let end = lineEnd(text, Math.max((k.range?.[1] ?? 1) - 1, contentEnd(text, v, 0) - 1));
  while (end < text.length) {
    const line = lineText(text, end);
    if (isComment(line) && indentOf(line) > keyCol) end = lineEnd(text, end);
    else break;
  }
  return end;
}

function insertAt(slot: Slot, lines: string): Change[] {
  const out: Change[] = [];
  if (slot.prelude) out.push(slot.prelude);
  out.push({ from: slot.at, to: slot.at, insert: slot.before + lines + slot.after });
  return out;
}

/** The change that removes a step's lines, with a blank separator and an emptied list. */
function removal(model: GraphModel, keys: string[]): Change[] {
  const { text } = model;
  const first = stepOf(model, keys[0]);
  const last = stepOf(model, keys[keys.length - 1]);
  const list = listOf(model, first.list);
  const a = blockOf(model, first);
  const b = blockOf(model, last);
  let from = a.start;
  let to = b.end;
  if (list.steps.length === keys.length) {
    // The list is left empty: `key: []`.
    const parentPath = list.path.slice(0, -1);
    const parent = parentPath.length ? getIn(model.doc, parentPath) : model.doc.contents;
    const pair = isMap(parent) ? pairIn(parent, String(list.path[list.path.length - 1])) : undefined;
    if (pair && isScalar(pair.key) && pair.key.range) {
      const colon = text.indexOf(':', pair.key.range[1]);
      return [{ from: colon + 1, to: b.end, insert: ' []\n' }];
    }
    return [{ from, to, insert: '' }];
  }
  // Steps separated by blank lines stay so: one separator goes with the step.
  if (blankSeparated(model, list)) {
    const before = from > 0 ? lineStart(text, from - 1) : -1;
    const beforeBlank = before >= 0 && isBlank(lineText(text, before));
    const afterBlank = to < text.length && isBlank(lineText(text, to));
    const isLast = list.steps[list.steps.length - 1] === last.key;
    if (!isLast && afterBlank) to = lineEnd(text, to);
    else if (isLast && beforeBlank && list.steps[0] !== first.key) from = before;
  }
  return [{ from, to, insert: '' }];
}

// ---------------------------------------------------------------------------------------------
// The edits

/** The model of a text the edits can splice: one without YAML errors (positions are exact). */
function editable(text: string): GraphModel {
  const model = modelOf(text);
  const e = model.errors[0];
  if (e) {
    throw new EditError(
      `the YAML has an error at line ${e.pos.line}, column ${e.pos.col} (${e.message}); fix it in the text, then edit the graph again`,
    );
  }
  return model;
}

/** Adds a step of `kind` (its required fields filled in, a fresh id like `http_2`) at `where`. */
export function addStep(
  text: string,
  kind: StepKind,
  where: Where,
  opts: { id?: string; body?: Record<string, unknown> } = {},
): EditResult {
  const model = editable(text);
  if (!STEP_TEMPLATES[kind])
    throw new EditError(`unknown step kind "${kind}"; one of: ${Object.keys(STEP_TEMPLATES).join(', ')}`);
  const style = detectStyle(model.doc, text);
  const id = opts.id ?? freshId(model, kind);
  checkNewId(model, id);
  const slot = slotFor(model, where, style);
  const lines = stepText(id, kind, opts.body ?? STEP_TEMPLATES[kind], slot.dashCol, style);
  return result(text, insertAt(slot, lines), { key: id });
}

function checkNewId(model: GraphModel, id: string) {
  if (!ID_PATTERN.test(id)) {
    throw new EditError(
      `id "${id}" is not valid: use letters, digits and _ (not starting with a digit), e.g. build_app`,
    );
  }
  if (allIds(model).has(id)) throw new EditError(`id "${id}" is already used by another step; choose another`);
}

/** Deletes a step (and what is inside it); reports the references left dangling. */
export function deleteStep(text: string, key: string): EditResult {
  const model = editable(text);
  stepOf(model, key);
  const gone = new Set(
    subtree(model, key)
      .map((k) => model.byKey.get(k)?.id)
      .filter((x): x is string => !!x),
  );
  const inside = new Set(subtree(model, key));
  const dangling = model.references.filter((r) => r.root === 'steps' && gone.has(r.name) && !inside.has(r.user));
  return result(text, removal(model, [key]), { dangling });
}

/** Moves a step: up or down in its list, or to another place (another list, into a group). */
export function moveStep(text: string, key: string, to: Where | 'up' | 'down'): EditResult {
  const model = editable(text);
  const n = stepOf(model, key);
  const list = listOf(model, n.list);
  let where: Where;
  if (to === 'up' || to === 'down') {
    const i = list.steps.indexOf(key);
    const j = to === 'up' ? i - 1 : i + 1;
    if (j < 0 || j >= list.steps.length) return { text, changes: [], key };
    where = to === 'up' ? { before: list.steps[j] } : { after: list.steps[j] };
  } else where = to;
  const target = 'list' in where ? where.list : stepOf(model, 'after' in where ? where.after : where.before).list;
  const inside = new Set(subtree(model, key));
  const targetList = listOf(model, target);
  if (targetList.owner && inside.has(targetList.owner)) throw new EditError('a step cannot move into itself');
  if (('after' in where && where.after === key) || ('before' in where && where.before === key)) {
    return { text, changes: [], key };
  }
  const style = detectStyle(model.doc, text);
  const b = blockOf(model, n);
  const slot = slotFor(model, where, style, key);
  const lines = reindent(text.slice(b.start, b.end), slot.dashCol - b.dashCol);
  const moved = lines.endsWith('\n') ? lines : `${lines}\n`;
  const del = removal(model, [key]);
  const ins = insertAt(slot, moved);
  for (const c of ins) {
    for (const d of del) if (c.from > d.from && c.from < d.to) throw new EditError('cannot move a step there');
  }
  return result(text, [...del, ...ins], { key });
}

/** A copy of the step right after it; it and the steps inside it get new ids. References are kept. */
export function duplicateStep(text: string, key: string): EditResult {
  const model = editable(text);
  const n = stepOf(model, key);
  const style = detectStyle(model.doc, text);
  const b = blockOf(model, n);
  const taken = allIds(model);
  const renames: { from: number; to: number; id: string }[] = [];
  let newKey = key;
  for (const k of subtree(model, key)) {
    const s = model.byKey.get(k) as StepNode;
    if (!s.idRange || s.id === undefined) continue;
    const base = s.id.replace(/_\d+$/, '') || s.id;
    let id = '';
    for (let i = 2; ; i++) {
      id = `${base}_${i}`;
      if (!taken.has(id)) break;
    }
    taken.add(id);
    if (k === key) newKey = id;
    renames.push({ from: s.idRange.from - b.dashLine, to: s.idRange.to - b.dashLine, id });
  }
  let copy = text.slice(b.dashLine, b.end);
  for (const r of [...renames].sort((x, y) => y.from - x.from)) copy = copy.slice(0, r.from) + r.id + copy.slice(r.to);
  if (!copy.endsWith('\n')) copy += '\n';
  const slot = slotFor(model, { after: key }, style);
  return result(text, insertAt(slot, copy), { key: newKey });
}

/** Wraps consecutive steps of one list in a parallel (each its own branch), a condition (then) or a loop. */
export function wrapSteps(
  text: string,
  keys: string[],
  kind: 'parallel' | 'condition' | 'loop',
  opts: { id?: string } = {},
): EditResult {
  const model = editable(text);
  if (keys.length === 0) throw new EditError('select the steps to wrap');
  const steps = keys.map((k) => stepOf(model, k));
  const list = listOf(model, steps[0].list);
  const idx = steps.map((s) => list.steps.indexOf(s.key)).sort((a, b) => a - b);
  if (steps.some((s) => s.list !== list.key) || idx.some((v, i) => i > 0 && v !== idx[i - 1] + 1)) {
    throw new EditError('wrap steps that follow each other in one list');
  }
  const style = detectStyle(model.doc, text);
  const first = model.byKey.get(list.steps[idx[0]]) as StepNode;
  const last = model.byKey.get(list.steps[idx[idx.length - 1]]) as StepNode;
  const a = blockOf(model, first);
  const z = blockOf(model, last);
  const id = opts.id ?? freshId(model, kind);
  checkNewId(model, id);
  const c = a.contentCol;
  const u = style.unit;
  const childDash = c + u + style.seqIndent;
  const head =
    kind === 'parallel'
      ? [`${sp(a.dashCol)}- id: ${id}`, `${sp(c)}parallel:`, `${sp(c + u)}steps:`]
      : kind === 'condition'
        ? [`${sp(a.dashCol)}- id: ${id}`, `${sp(c)}condition:`, `${sp(c + u)}if: true`, `${sp(c + u)}then:`]
        : [
            `${sp(a.dashCol)}- id: ${id}`,
            `${sp(c)}loop:`,
            `${sp(c + u)}over: [1]`,
            `${sp(c + u)}max: 1`,
            `${sp(c + u)}steps:`,
          ];
  let body = reindent(text.slice(a.start, z.end), childDash - a.dashCol);
  if (!body.endsWith('\n')) body += '\n';
  return result(text, [{ from: a.start, to: z.end, insert: `${head.join('\n')}\n${body}` }], { key: id });
}

/** Replaces a group step by the steps inside it (then and else, every branch, the loop's body). */
export function unwrapStep(text: string, key: string): EditResult {
  const model = editable(text);
  const g = stepOf(model, key);
  if (!isGroupKind(g.kind) || !g.lists) throw new EditError(`step "${g.label}" is not a parallel, condition or loop`);
  const b = blockOf(model, g);
  const parts: string[] = [];
  for (const lk of g.lists) {
    const l = listOf(model, lk);
    if (!l.steps.length) continue;
    const x = blockOf(model, model.byKey.get(l.steps[0]) as StepNode);
    const y = blockOf(model, model.byKey.get(l.steps[l.steps.length - 1]) as StepNode);
    let part = reindent(text.slice(x.start, y.end), b.dashCol - x.dashCol);
    if (!part.endsWith('\n')) part += '\n';
    parts.push(part);
  }
  if (!parts.length) return deleteStep(text, key);
  return result(text, [{ from: b.dashLine, to: b.end, insert: parts.join('') }], { key: model.byKey.get(key)?.key });
}

/** Renames a step and every `steps.<id>` reference to it. */
export function renameStep(text: string, key: string, newId: string): EditResult {
  const model = editable(text);
  const n = stepOf(model, key);
  if (n.id === newId) return { text, changes: [], key };
  checkNewId(model, newId);
  if (!n.idRange || n.id === undefined) throw new EditError(`step "${n.label}" has no id to rename; set its id field`);
  const old = n.id;
  const changes: Change[] = [{ ...n.idRange, insert: newId }];
  if (model.ids.get(old) === key) {
    for (const r of model.references)
      if (r.root === 'steps' && r.name === old) changes.push({ from: r.from, to: r.to, insert: newId });
  }
  return result(text, changes, { key: newId });
}

const fieldPath = (field: string | Path): Path =>
  typeof field === 'string' ? field.split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : s)) : field;

function basePath(model: GraphModel, key: string | null): Path {
  return key === null ? [] : stepOf(model, key).path;
}

function pairIn(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === key) as Pair | undefined;
}

/** Whether the node at `path` (or something around it) is written in flow style. */
function inFlow(doc: Document, path: Path): boolean {
  let cur: unknown = doc.contents;
  for (const seg of path) {
    if ((isMap(cur) || isSeq(cur)) && cur.flow) return true;
    if (isMap(cur)) cur = pairIn(cur, String(seg))?.value;
    else if (isSeq(cur)) cur = cur.items[Number(seg)];
    else return false;
  }
  return false;
}

/**
 * Sets a field of a step (`http.url`, `shell.args`, `name`) or, with key null, of the document
 * (`name`, `inputs.x.default`). Flow maps are edited in place; missing maps are added.
 */
export function setField(text: string, key: string | null, field: string | Path, value: unknown): EditResult {
  const model = editable(text);
  const rel = fieldPath(field);
  if (key !== null && rel.length === 1 && rel[0] === 'id') {
    if (typeof value !== 'string') throw new EditError('an id is text: letters, digits and _');
    return renameStep(text, key, value);
  }
  if (value === undefined) return removeField(text, key, field);
  const path = [...basePath(model, key), ...rel];
  const { doc } = model;
  const style = detectStyle(doc, text);
  // The deepest map on the way.
  let depth = 0;
  let map: unknown = doc.contents;
  while (depth < path.length - 1) {
    const next = isMap(map)
      ? pairIn(map, String(path[depth]))?.value
      : isSeq(map)
        ? map.items[Number(path[depth])]
        : undefined;
    if (!isMap(next) && !isSeq(next)) break;
    map = next;
    depth++;
  }
  const name = String(path[depth]);
  let nested: unknown = value;
  for (let i = path.length - 1; i > depth; i--) nested = { [String(path[i])]: nested };
  if (isSeq(map)) {
    const idx = Number(path[depth]);
    const item = map.items[idx] as Node | undefined;
    if (!item?.range || depth !== path.length - 1) throw new EditError(`${listKeyOf(path)}: no such list item to set`);
    const flow = map.flow || inFlow(doc, path.slice(0, depth));
    if (!flow && !inlineable(value))
      throw new EditError(`${listKeyOf(path)}: set a simple value in a list item here, or edit the text`);
    return result(text, [{ from: item.range[0], to: contentEnd(text, item, item.range[0]), insert: flowText(value) }], {
      key: key ?? undefined,
    });
  }
  if (!isMap(map)) {
    if (depth === 0 && (map === null || map === undefined || (isScalar(map) && map.value === null))) {
      // An empty document.
      const at = text.length;
      const pre = text.length && !text.endsWith('\n') ? '\n' : '';
      return result(text, [
        { from: at, to: at, insert: `${pre}${scalarText(name)}:${valueText(nested, style.unit, style)}\n` },
      ]);
    }
    throw new EditError(
      `${listKeyOf(path.slice(0, depth)) || 'the document'} is not a mapping; cannot set ${listKeyOf(rel)}`,
    );
  }
  const pair = pairIn(map, name);
  const flow = !!map.flow || inFlow(doc, path.slice(0, depth));
  if (pair && isScalar(pair.key) && pair.key.range) {
    const v = pair.value as Node | null;
    const keyCol = colOf(text, pair.key.range[0]);
    const colon = text.indexOf(':', pair.key.range[1]);
    const emptyValue = !v || (isScalar(v) && v.value === null && v.range?.[0] === v.range?.[1]);
    if (flow) {
      if (emptyValue)
        return result(text, [{ from: colon + 1, to: colon + 1, insert: ` ${flowText(nested)}` }], {
          key: key ?? undefined,
        });
      return result(
        text,
        [{ from: (v as Node).range?.[0] as number, to: contentEnd(text, v, 0), insert: flowText(nested) }],
        { key: key ?? undefined },
      );
    }
    const rendered = valueText(nested, keyCol + style.unit, style);
    const simpleOld = v && (isScalar(v) || ((isMap(v) || isSeq(v)) && v.flow)) && !emptyValue;
    if (simpleOld && rendered.startsWith(' ') && !rendered.includes('\n')) {
      return result(
        text,
        [{ from: (v as Node).range?.[0] as number, to: contentEnd(text, v, 0), insert: rendered.slice(1) }],
        { key: key ?? undefined },
      );
    }
    if (emptyValue)
      return result(text, [{ from: colon + 1, to: colon + 1, insert: rendered }], { key: key ?? undefined });
    return result(text, [{ from: colon + 1, to: contentEnd(text, v, colon + 1), insert: rendered }], {
      key: key ?? undefined,
    });
  }
  // A new key in `map`.
  const items = map.items as Pair[];
  if (flow) {
    const entry = `${scalarText(name)}: ${flowText(nested)}`;
    if (!items.length) {
      const open = text.indexOf('{', map.range?.[0] ?? 0);
      return result(text, [{ from: open + 1, to: open + 1, insert: entry }], { key: key ?? undefined });
    }
    const lastPair = items[items.length - 1];
    const end = contentEnd(
      text,
      (lastPair.value as Node | null) ?? (lastPair.key as Node),
      (lastPair.key as Node).range?.[1] ?? 0,
    );
    return result(text, [{ from: end, to: end, insert: `, ${entry}` }], { key: key ?? undefined });
  }
  const firstKey = items[0]?.key as Node | undefined;
  const keyCol = firstKey?.range ? colOf(text, firstKey.range[0]) : 0;
  let at = items.length ? pairEnd(text, items[items.length - 1]) : text.length;
  // Known keys keep their usual order: name and description first, id then name in a step.
  const order =
    depth === 0
      ? TOP_ORDER
      : path.length - depth === rel.length && key !== null && depth === basePath(model, key).length
        ? STEP_ORDER
        : [];
  const rank = order.indexOf(name);
  if (rank >= 0) {
    const later = items.find((p) => {
      const r = isScalar(p.key) ? order.indexOf(String(p.key.value)) : -1;
      return r > rank || (r < 0 && order === STEP_ORDER);
    });
    const lk = later?.key as Node | undefined;
    if (lk?.range && /^[ ]*$/.test(text.slice(lineStart(text, lk.range[0]), lk.range[0]))) {
      at = lineStart(text, lk.range[0]);
      let climbed = at;
      while (climbed > 0) {
        const prev = lineStart(text, climbed - 1);
        const l = lineText(text, prev);
        if (isComment(l) && indentOf(l) === keyCol) climbed = prev;
        else break;
      }
      // Comments at the very top are the document's, not the next key's.
      if (climbed > 0) at = climbed;
    }
  }
  const pre = at === text.length && text.length && !text.endsWith('\n') ? '\n' : '';
  const line = `${pre}${sp(keyCol)}${scalarText(name)}:${valueText(nested, keyCol + style.unit, style)}\n`;
  return result(text, [{ from: at, to: at, insert: line }], { key: key ?? undefined });
}

/** Removes a field of a step (or of the document, with key null). */
export function removeField(text: string, key: string | null, field: string | Path): EditResult {
  const model = editable(text);
  const rel = fieldPath(field);
  if (key !== null && rel.length === 1 && rel[0] === 'id')
    throw new EditError('a step needs its id; rename it instead');
  const path = [...basePath(model, key), ...rel];
  const parent = path.length > 1 ? getIn(model.doc, path.slice(0, -1)) : model.doc.contents;
  const name = String(path[path.length - 1]);
  if (!isMap(parent)) return { text, changes: [] };
  const pair = pairIn(parent, name);
  if (!pair || !isScalar(pair.key) || !pair.key.range) return { text, changes: [] };
  const items = parent.items as Pair[];
  const i = items.indexOf(pair);
  const v = pair.value as Node | null;
  const start = pair.key.range[0];
  const end = contentEnd(text, v, pair.key.range[1]);
  const { text: t } = model;
  if (parent.flow || inFlow(model.doc, path.slice(0, -1))) {
    const next = items[i + 1]?.key as Node | undefined;
    if (next?.range) return result(t, [{ from: start, to: next.range[0], insert: '' }], { key: key ?? undefined });
    const prev = items[i - 1];
    if (prev) {
      const pe = contentEnd(t, prev.value as Node | null, (prev.key as Node).range?.[1] ?? 0);
      return result(t, [{ from: pe, to: end, insert: '' }], { key: key ?? undefined });
    }
    return result(t, [{ from: start, to: end, insert: '' }], { key: key ?? undefined });
  }
  const ls = lineStart(t, start);
  if (!/^[ ]*$/.test(t.slice(ls, start))) {
    // The first key on a `- ` line: pull the next key up onto it.
    const next = items[i + 1]?.key as Node | undefined;
    if (!next?.range) throw new EditError(`cannot remove the only field of ${listKeyOf(path.slice(0, -1))}`);
    return result(t, [{ from: start, to: next.range[0], insert: '' }], { key: key ?? undefined });
  }
  return result(t, [{ from: ls, to: pairEnd(t, pair), insert: '' }], { key: key ?? undefined });
}

/**
 * A new branch in a parallel step, holding one new step of `kind`. In the `steps:` form each step
 * is a branch; in the `branches:` form a `- steps: [...]` item is added after the last branch.
 */
export function addBranch(text: string, key: string, kind: StepKind = 'shell'): EditResult {
  const model = editable(text);
  const n = stepOf(model, key);
  if (n.kind !== 'parallel' || !n.lists?.length) throw new EditError(`step "${n.label}" is not a parallel`);
  const first = listOf(model, n.lists[0]);
  if (first.slot === 'parallel') return addStep(text, kind, { list: first.key, at: 'end' });
  const style = detectStyle(model.doc, text);
  const branches = getIn(model.doc, [...n.path, 'parallel', 'branches']);
  const last = isSeq(branches) ? (branches.items[branches.items.length - 1] as Node | undefined) : undefined;
  if (!isSeq(branches) || branches.flow || !isMap(last) || !last.range) {
    throw new EditError(
      `the branches of "${n.label}" are written in flow style; write them as block lines to add one here`,
    );
  }
  const dash = dashBefore(text, last.range[0]);
  if (dash < 0) throw new EditError(`the branches of "${n.label}" are not a block list`);
  const dashCol = colOf(text, dash);
  const items = last.items as Pair[];
  const at = pairEnd(text, items[items.length - 1]);
  const id = freshId(model, kind);
  const steps = stepText(id, kind, STEP_TEMPLATES[kind], dashCol + 2 + style.seqIndent, style);
  const pre = at === text.length && !text.endsWith('\n') ? '\n' : '';
  return result(text, [{ from: at, to: at, insert: `${pre}${sp(dashCol)}- steps:\n${steps}` }], { key: id });
}

/** The text of a step from its `-` line to its last line: what clicking its node selects. */
export function stepRange(model: GraphModel, key: string): { from: number; to: number } {
  const n = stepOf(model, key);
  const dash = dashBefore(model.text, n.from);
  return { from: dash >= 0 ? dash : n.from, to: n.to };
}

export interface StepFields {
  key: string;
  id?: string;
  name?: string;
  kind?: StepKind;
  /** The kind's fields as plain values (what the side panel's form shows). */
  body: Record<string, unknown>;
  /** Where each field is written: its key's line and the value's range. */
  at: Record<string, { line: number; from: number; to: number }>;
}

/** A step's fields and their lines, for the side panel (the YAML line beside each field). */
export function readStep(model: GraphModel, key: string): StepFields {
  const n = stepOf(model, key);
  const out: StepFields = {
    key,
    ...(n.id !== undefined ? { id: n.id } : {}),
    ...(n.kind ? { kind: n.kind } : {}),
    body: {},
    at: {},
  };
  const step = getIn(model.doc, n.path);
  if (isMap(step)) {
    const name = pairIn(step, 'name')?.value;
    if (isScalar(name) && typeof name.value === 'string') out.name = name.value;
  }
  const body = n.kind ? getIn(model.doc, [...n.path, n.kind]) : undefined;
  if (isMap(body)) {
    for (const p of body.items as Pair[]) {
      if (!isScalar(p.key) || !p.key.range) continue;
      const k = String(p.key.value);
      const v = p.value as Node | null;
      out.body[k] = v && 'toJSON' in v ? (v.toJSON() as unknown) : null;
      const from = v?.range?.[0] ?? p.key.range[0];
      out.at[k] = { line: model.lineCounter.linePos(p.key.range[0]).line, from, to: contentEnd(model.text, v, from) };
    }
  }
  return out;
}

/**
 * Where the "+" on a sequence edge puts a new step: between the two ends. In a parallel written in
 * the `steps:` form each step is its own branch, so "+" on the edge into a branch adds a branch.
 */
export function whereOnEdge(model: GraphModel, from: string, to: string): Where {
  const stepKey = (k: string) => (k.endsWith('$end') ? k.slice(0, -'$end'.length) : k);
  const src = model.byKey.get(stepKey(from));
  const dst = model.byKey.get(to);
  if (!model.edges.some((e) => e.from === from && e.to === to)) {
    throw new EditError(`no edge from "${from}" to "${to}"; pick an edge of the graph`);
  }
  // Into a group: its header to its first step, or to its exit when a list is empty.
  if (src && !from.endsWith('$end') && src.lists) {
    if (dst && dst.parent === src.key) return { before: dst.key };
    const empty = src.lists.find((l) => model.listByKey.get(l)?.steps.length === 0);
    if (to === `${src.key}$end` && empty) return { list: empty, at: 'start' };
  }
  if (src) return { after: src.key };
  if (dst) return { before: dst.key };
  // From the inputs to the outputs: no steps at all.
  return { list: 'steps', at: 'start' };
}
