// The designer's document model: the YAML text of a custom workflow definition read as a graph.
// One node per step (keyed by its id, so it keeps its identity across edits), groups for parallel /
// condition / loop, sequence edges (a step follows the one before it; a group's lists start at its
// entry and rejoin at its exit), data edges for every `${{ steps.<id>... }}` reference, and the
// references that name no step. Pure: no DOM, no React; the text is the source of truth and every
// position is an offset into it. A text with YAML errors still gives the steps that parse.
import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node,
  type Pair,
  type YAMLMap,
} from 'yaml';
import { STEP_KINDS, type StepKind } from '../../../workflows/contract/custom-types';

export type Path = (string | number)[];

export interface Pos {
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
}

/** The kinds whose step holds lists of steps. */
export const GROUP_KINDS = ['parallel', 'condition', 'loop'] as const;
export type GroupKind = (typeof GROUP_KINDS)[number];
export const isGroupKind = (k: string | undefined): k is GroupKind =>
  k !== undefined && (GROUP_KINDS as readonly string[]).includes(k);

export interface StepNode {
  /** Stable identity: the step id, or `@` + its path when it has no usable id. */
  key: string;
  id?: string;
  /** The step kind (undefined when the step names none of STEP_KINDS). */
  kind?: StepKind;
  /** name, else id, else the kind. */
  label: string;
  /** The YAML path of the step's map, e.g. ['steps', 3, 'parallel', 'steps', 0]. */
  path: Path;
  /** The step map's text range [from, to). */
  from: number;
  to: number;
  /** Where its list item starts: the `-` before it (or `from` in a flow list). */
  start: number;
  /** Lines of the step (1-based, inclusive). */
  line: number;
  endLine: number;
  /** The id value's range (inside quotes, if quoted). */
  idRange?: { from: number; to: number };
  /** The key of the group step this step is inside (undefined at the top level). */
  parent?: string;
  /** The key of the list it is in, and its index there. */
  list: string;
  index: number;
  /** For group steps: the keys of its lists. */
  lists?: string[];
}

export type ListSlot = 'steps' | 'parallel' | 'branch' | 'then' | 'else' | 'loop';

export interface StepList {
  /** The list's path joined with '/', e.g. `steps/3/parallel/steps`. */
  key: string;
  /** The YAML path of the sequence; it may not exist yet (a condition without else). */
  path: Path;
  /** The group step that owns it (undefined for the top-level steps). */
  owner?: string;
  /** steps: top level; parallel: each step is its own branch; branch: one of parallel.branches. */
  slot: ListSlot;
  branch?: number;
  steps: string[];
  /** Whether the sequence is in the text, and whether it is written in flow style ([...]). */
  exists: boolean;
  flow: boolean;
}

export interface SequenceEdge {
  from: string;
  to: string;
}

/** Non-step nodes: the run's inputs, its outputs and each group's exit. */
export interface Terminal {
  key: string;
  type: 'inputs' | 'outputs' | 'join';
  group?: string;
  parent?: string;
}

export const INPUTS_KEY = '$inputs';
export const OUTPUTS_KEY = '$outputs';
export const joinKey = (group: string) => `${group}$end`;

/** A `steps.<id>` (or `inputs.<name>`) reference in the text. */
export interface Reference {
  root: 'steps' | 'inputs';
  /** The id or input name referred to. */
  name: string;
  /** The node that uses it: a step key, or OUTPUTS_KEY. */
  user: string;
  /** The name's range in the text (what a rename replaces). */
  from: number;
  to: number;
  pos: Pos;
  /** Path of the field holding it. */
  field: Path;
}

export interface DataEdge {
  /** The referenced step's key, or INPUTS_KEY. */
  from: string;
  to: string;
  ref: Reference;
}

export interface Dangling {
  ref: Reference;
  message: string;
}

export interface SyntaxProblem {
  message: string;
  from: number;
  to: number;
  pos: Pos;
}

export interface InputInfo {
  name: string;
  type?: string;
  required?: boolean;
  default?: unknown;
  description?: string;
  from: number;
  to: number;
  line: number;
}

export interface OutputInfo {
  name: string;
  from: number;
  to: number;
  line: number;
}

export interface GraphModel {
  text: string;
  nodes: StepNode[];
  byKey: Map<string, StepNode>;
  /** step id → key (first definition). */
  ids: Map<string, string>;
  lists: StepList[];
  listByKey: Map<string, StepList>;
  terminals: Terminal[];
  edges: SequenceEdge[];
  data: DataEdge[];
  references: Reference[];
  dangling: Dangling[];
  inputs: InputInfo[];
  outputs: OutputInfo[];
  errors: SyntaxProblem[];
  /** Depends on structure only (keys, kinds, nesting, sequence): layout is keyed on it. */
  structureHash: string;
  /** The parsed document and its line counter, for the edit functions. */
  doc: Document;
  lineCounter: LineCounter;
}

export const listKeyOf = (path: Path) => path.join('/');

const ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === key) as Pair | undefined;
}

export function getIn(doc: Document, path: Path): Node | null | undefined {
  let cur: unknown = doc.contents;
  for (const seg of path) {
    if (isMap(cur)) {
      const p = pairOf(cur, String(seg));
      if (!p) return undefined;
      cur = p.value;
    } else if (isSeq(cur) && typeof seg === 'number') {
      cur = cur.items[seg];
      if (cur === undefined) return undefined;
    } else return undefined;
  }
  return cur as Node | null;
}

/** FNV-1a, 32 bits, as 8 hex digits: a cheap stable hash for keys. */
export function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** The end of a node's content (range[1]), pulled back over trailing whitespace. */
function contentEnd(text: string, node: Node): number {
  let end = node.range?.[1] ?? 0;
  while (end > 0 && /\s/.test(text[end - 1])) end--;
  return end;
}

const REF = /\b(steps|inputs)\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*(['"])([A-Za-z_][A-Za-z0-9_]*)\3\s*\])/g;

/** The `steps.x` / `inputs.x` references in the source of one scalar. */
function refsIn(
  text: string,
  from: number,
  to: number,
  bare: boolean,
): { root: 'steps' | 'inputs'; name: string; from: number; to: number }[] {
  const src = text.slice(from, to);
  const regions: [number, number][] = [];
  if (bare && !src.includes('${{')) regions.push([0, src.length]);
  else {
    let i = 0;
    for (;;) {
      const open = src.indexOf('${{', i);
      if (open < 0) break;
      const close = src.indexOf('}}', open + 3);
      regions.push([open + 3, close < 0 ? src.length : close]);
      if (close < 0) break;
      i = close + 2;
    }
  }
  const out: { root: 'steps' | 'inputs'; name: string; from: number; to: number }[] = [];
  for (const [a, b] of regions) {
    const part = src.slice(a, b);
    for (const m of part.matchAll(REF)) {
      const name = m[2] ?? m[4];
      const nameAt = m.index + m[0].lastIndexOf(name);
      out.push({
        root: m[1] as 'steps' | 'inputs',
        name,
        from: from + a + nameAt,
        to: from + a + nameAt + name.length,
      });
    }
  }
  return out;
}

/** Reads the text. Never throws: YAML errors are in `errors`, whatever parsed is in the graph. */
export function buildModel(text: string): GraphModel {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false, keepSourceTokens: true });
  const pos = (off: number): Pos => lineCounter.linePos(off);
  const nodes: StepNode[] = [];
  const byKey = new Map<string, StepNode>();
  const ids = new Map<string, string>();
  const lists: StepList[] = [];
  const listByKey = new Map<string, StepList>();
  const terminals: Terminal[] = [];
  const references: Reference[] = [];

  const errors: SyntaxProblem[] = doc.errors.map((e) => ({
    message: e.message.split('\n')[0],
    from: e.pos[0],
    to: e.pos[1],
    pos: pos(e.pos[0]),
  }));

  const addList = (path: Path, slot: ListSlot, owner: string | undefined, branch?: number): StepList => {
    const seq = getIn(doc, path);
    const l: StepList = {
      key: listKeyOf(path),
      path,
      owner,
      slot,
      ...(branch !== undefined ? { branch } : {}),
      steps: [],
      exists: isSeq(seq),
      flow: isSeq(seq) && !!seq.flow,
    };
    lists.push(l);
    listByKey.set(l.key, l);
    return l;
  };

  const collectRefs = (node: unknown, field: Path, user: string, skip: (p: Path) => boolean, bare: boolean) => {
    if (skip(field)) return;
    if (isScalar(node)) {
      if (typeof node.value === 'string' && node.range) {
        for (const r of refsIn(text, node.range[0], node.range[1], bare)) {
          references.push({ ...r, user, pos: pos(r.from), field });
        }
      }
    } else if (isMap(node)) {
      for (const p of node.items) {
        if (isPair(p) && isScalar(p.key)) collectRefs(p.value, [...field, String(p.key.value)], user, skip, false);
      }
    } else if (isSeq(node)) {
      node.items.forEach((it, i) => collectRefs(it, [...field, i], user, skip, false));
    }
  };

  const walkList = (list: StepList, parent: string | undefined) => {
    const seq = getIn(doc, list.path);
    if (!isSeq(seq)) return;
    seq.items.forEach((item, index) => {
      const path = [...list.path, index];
      if (!isMap(item) || !item.range) return;
      const m = item as YAMLMap;
      const idPair = pairOf(m, 'id');
      const idNode = idPair?.value;
      let id: string | undefined;
      let idRange: { from: number; to: number } | undefined;
      if (isScalar(idNode) && typeof idNode.value === 'string' && idNode.range) {
        id = idNode.value;
        const quoted = idNode.type === 'QUOTE_DOUBLE' || idNode.type === 'QUOTE_SINGLE';
        idRange = quoted
          ? { from: idNode.range[0] + 1, to: idNode.range[1] - 1 }
          : { from: idNode.range[0], to: idNode.range[1] };
      }
      let kind: StepKind | undefined;
      for (const p of m.items) {
        const k = isPair(p) && isScalar(p.key) ? String(p.key.value) : '';
        if ((STEP_KINDS as readonly string[]).includes(k)) {
          kind = k as StepKind;
          break;
        }
      }
      const nameNode = pairOf(m, 'name')?.value;
      const name = isScalar(nameNode) && typeof nameNode.value === 'string' ? nameNode.value : undefined;
      const usable = id !== undefined && ID_PATTERN.test(id) && !ids.has(id);
      const key = usable ? (id as string) : `@${path.join('/')}`;
      if (usable) ids.set(id as string, key);
      const from = m.range?.[0] ?? 0;
      const to = contentEnd(text, m);
      let start = from - 1;
      while (start >= 0 && /\s/.test(text[start])) start--;
      start = start >= 0 && text[start] === '-' ? start : from;
      const node: StepNode = {
        key,
        ...(id !== undefined ? { id } : {}),
        ...(kind ? { kind } : {}),
        label: name ?? id ?? kind ?? 'step',
        path,
        from,
        to,
        start,
        line: pos(from).line,
        endLine: pos(Math.max(from, to - 1)).line,
        ...(idRange ? { idRange } : {}),
        ...(parent !== undefined ? { parent } : {}),
        list: list.key,
        index,
      };
      nodes.push(node);
      byKey.set(key, node);
      list.steps.push(key);

      // The group's lists, in the order they run (and are drawn).
      const body = kind ? [...path, kind] : path;
      const childLists: StepList[] = [];
      if (kind === 'parallel') {
        const b = getIn(doc, body);
        if (isMap(b) && pairOf(b, 'branches')) {
          const br = getIn(doc, [...body, 'branches']);
          if (isSeq(br))
            br.items.forEach((_, i) => childLists.push(addList([...body, 'branches', i, 'steps'], 'branch', key, i)));
        } else childLists.push(addList([...body, 'steps'], 'parallel', key));
      } else if (kind === 'condition') {
        childLists.push(addList([...body, 'then'], 'then', key), addList([...body, 'else'], 'else', key));
      } else if (kind === 'loop') childLists.push(addList([...body, 'steps'], 'loop', key));
      const own = new Set(childLists.map((l) => l.key));
      const skip = (p: Path) => own.has(listKeyOf(p));
      for (const p of m.items) {
        if (!isPair(p) || !isScalar(p.key)) continue;
        const k = String(p.key.value);
        // A step's id and name are never rendered: only its kind's fields hold expressions.
        if (k === 'id' || k === 'name') continue;
        if (k === kind && isMap(p.value) && isGroupKind(kind)) {
          for (const q of (p.value as YAMLMap).items) {
            if (!isPair(q) || !isScalar(q.key)) continue;
            const f = String(q.key.value);
            const bare = (kind === 'condition' && f === 'if') || (kind === 'loop' && (f === 'while' || f === 'over'));
            collectRefs(q.value, [...body, f], key, skip, bare);
          }
        } else collectRefs(p.value, [...path, k], key, skip, false);
      }
      if (childLists.length) {
        node.lists = childLists.map((l) => l.key);
        terminals.push({ key: joinKey(key), type: 'join', group: key, ...(parent !== undefined ? { parent } : {}) });
        for (const l of childLists) walkList(l, key);
      }
    });
  };

  const top = addList(['steps'], 'steps', undefined);
  const root = doc.contents;
  const inputs: InputInfo[] = [];
  const outputs: OutputInfo[] = [];
  if (isMap(root)) {
    const inp = pairOf(root, 'inputs')?.value;
    if (isMap(inp)) {
      for (const p of inp.items) {
        if (!isPair(p) || !isScalar(p.key) || !p.key.range) continue;
        const v = p.value as Node | null;
        const js: unknown = v && 'toJSON' in v ? v.toJSON() : v;
        const spec =
          typeof js === 'string' ? { type: js } : js && typeof js === 'object' ? (js as Record<string, unknown>) : {};
        const from = p.key.range[0];
        inputs.push({
          name: String(p.key.value),
          ...(typeof spec.type === 'string' ? { type: spec.type } : {}),
          ...(typeof spec.required === 'boolean' ? { required: spec.required } : {}),
          ...(spec.default !== undefined ? { default: spec.default } : {}),
          ...(typeof spec.description === 'string' ? { description: spec.description } : {}),
          from,
          to: v ? contentEnd(text, v) : p.key.range[1],
          line: pos(from).line,
        });
      }
    }
    walkList(top, undefined);
    const out = pairOf(root, 'outputs')?.value;
    if (isMap(out)) {
      for (const p of out.items) {
        if (!isPair(p) || !isScalar(p.key) || !p.key.range) continue;
        const name = String(p.key.value);
        const v = p.value as Node | null;
        const from = p.key.range[0];
        outputs.push({ name, from, to: v ? contentEnd(text, v) : p.key.range[1], line: pos(from).line });
        collectRefs(v, ['outputs', name], OUTPUTS_KEY, () => false, false);
      }
    }
  }

  // Sequence edges.
  const edges: SequenceEdge[] = [];
  const exitOf = (key: string) => (byKey.get(key)?.lists ? joinKey(key) : key);
  const wire = (list: StepList, entry: string | undefined): string[] => {
    if (list.slot === 'parallel') {
      for (const s of list.steps) if (entry) edges.push({ from: entry, to: s });
      const exits = list.steps.map(exitOf);
      for (const s of list.steps) wireGroup(s);
      return exits;
    }
    let prev = entry ? [entry] : [];
    for (const s of list.steps) {
      for (const p of prev) edges.push({ from: p, to: s });
      wireGroup(s);
      prev = [exitOf(s)];
    }
    return prev;
  };
  const wireGroup = (key: string) => {
    const n = byKey.get(key);
    if (!n?.lists) return;
    const j = joinKey(key);
    for (const lk of n.lists) {
      const l = listByKey.get(lk) as StepList;
      const exits = l.steps.length ? wire(l, key) : [key];
      for (const e of exits) edges.push({ from: e, to: j });
    }
  };
  if (inputs.length) terminals.unshift({ key: INPUTS_KEY, type: 'inputs' });
  const exits = wire(top, inputs.length ? INPUTS_KEY : undefined);
  if (outputs.length) {
    terminals.push({ key: OUTPUTS_KEY, type: 'outputs' });
    for (const e of exits) edges.push({ from: e, to: OUTPUTS_KEY });
  }

  // Data edges and dangling references.
  const data: DataEdge[] = [];
  const dangling: Dangling[] = [];
  const declared = new Set(inputs.map((i) => i.name));
  const known = [...ids.keys()];
  for (const r of references) {
    if (r.root === 'steps') {
      const target = ids.get(r.name);
      if (target) data.push({ from: target, to: r.user, ref: r });
      else {
        dangling.push({
          ref: r,
          message: `refers to unknown step id "${r.name}"${known.length ? `; step ids are: ${known.join(', ')}` : ''}`,
        });
      }
    } else if (declared.has(r.name)) data.push({ from: INPUTS_KEY, to: r.user, ref: r });
    else {
      dangling.push({
        ref: r,
        message: `refers to undeclared input "${r.name}"; declare it under inputs:`,
      });
    }
  }

  const structure = [
    ...nodes.map((n) => `${n.key}:${n.kind ?? ''}:${n.parent ?? ''}:${(n.lists ?? []).join(',')}`),
    ...terminals.map((t) => t.key),
    ...edges.map((e) => `${e.from}>${e.to}`),
  ].join('\n');

  return {
    text,
    nodes,
    byKey,
    ids,
    lists,
    listByKey,
    terminals,
    edges,
    data,
    references,
    dangling,
    inputs,
    outputs,
    errors,
    structureHash: hash(structure),
    doc,
    lineCounter,
  };
}

const recent: GraphModel[] = [];
/**
 * buildModel, remembering the last few texts: the editor, an edit and the graph read the same text
 * in turn, so a visual edit parses the YAML once, not three times. Models are read only.
 */
export function modelOf(text: string): GraphModel {
  const hit = recent.find((m) => m.text === text);
  if (hit) return hit;
  const model = buildModel(text);
  recent.unshift(model);
  if (recent.length > 4) recent.pop();
  return model;
}

/** The step whose text (from its `-`) holds `offset`, the innermost one: text → graph selection. */
export function stepAt(model: GraphModel, offset: number): StepNode | undefined {
  let best: StepNode | undefined;
  for (const n of model.nodes) {
    if (offset >= n.start && offset <= n.to && (!best || n.to - n.start < best.to - best.start)) best = n;
  }
  return best;
}

/** The keys of a step and every step nested in it. */
export function subtree(model: GraphModel, key: string): string[] {
  const out = [key];
  const n = model.byKey.get(key);
  for (const lk of n?.lists ?? []) for (const c of model.listByKey.get(lk)?.steps ?? []) out.push(...subtree(model, c));
  return out;
}

/** The model as plain data without positions: what must not change when only formatting did. */
export function shape(model: GraphModel): unknown {
  return {
    nodes: model.nodes.map((n) => ({
      key: n.key,
      kind: n.kind,
      label: n.label,
      path: n.path,
      parent: n.parent,
      list: n.list,
      index: n.index,
      lists: n.lists,
    })),
    lists: model.lists.map((l) => ({ key: l.key, owner: l.owner, slot: l.slot, steps: l.steps })),
    edges: model.edges,
    data: model.data.map((d) => ({ from: d.from, to: d.to, name: d.ref.name, field: d.ref.field })),
    dangling: model.dangling.map((d) => ({ user: d.ref.user, name: d.ref.name })),
    inputs: model.inputs.map((i) => ({ ...i, from: undefined, to: undefined, line: undefined })),
    outputs: model.outputs.map((o) => o.name),
    structureHash: model.structureHash,
  };
}
