// Automatic layout of the designer's graph: top to bottom, the way the DSL nests. A definition's
// sequence graph is series-parallel by construction — a list runs its steps one after another, a
// group (parallel, condition, loop) opens at its header, runs its lists side by side and closes at
// its exit — so its layout follows from the nesting directly: a list is a column of its items, a
// group is a box holding its header, its lists as columns in the order the file writes them (a
// parallel's branches as written, then before else) and its exit below them. One pass over the
// model, no crossing search: 200 steps take about a millisecond, where a general layered layout
// (dagre, used before) took 55-130 ms of the first page. Only sequence edges place nodes; data
// references are drawn over the result and never move anything. The layout depends on the structure
// alone (GraphModel.structureHash), so run status or a field's value never moves a node: key a cache
// on the hash.
import { type GraphModel, INPUTS_KEY, joinKey, OUTPUTS_KEY, type StepList } from './model';

export interface Box {
  /** Top-left corner. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Layout {
  /** The structure hash it was made for. */
  hash: string;
  /** Steps, group headers (the group step itself), joins, inputs and outputs. */
  nodes: Record<string, Box>;
  /** Group steps' boxes, around their header, their steps and their exit. */
  groups: Record<string, Box>;
  /** Sequence edges' routes, bottom of one node to top of the next, right angles only. */
  edges: { from: string; to: string; points: { x: number; y: number }[] }[];
  width: number;
  height: number;
}

export const SIZES = {
  step: { width: 200, height: 48 },
  join: { width: 14, height: 14 },
  terminal: { width: 140, height: 36 },
};

/** Space around a group's contents and around the whole graph. */
const PAD = 16;
/** Between one item of a column and the next. */
const RANK_GAP = 36;
/** Between columns side by side. */
const COLUMN_GAP = 28;

type Point = { x: number; y: number };

/** Something placed in a column: measured first, then placed at a top-left corner. */
interface Item {
  width: number;
  height: number;
  place: (x: number, y: number) => void;
}

/** Items one under the other, centred on one vertical line. */
function column(items: Item[]): Item {
  const width = Math.max(0, ...items.map((i) => i.width));
  const height = items.reduce((h, i) => h + i.height, 0) + RANK_GAP * Math.max(0, items.length - 1);
  return {
    width,
    height,
    place: (x, y) => {
      let top = y;
      for (const i of items) {
        i.place(x + (width - i.width) / 2, top);
        top += i.height + RANK_GAP;
      }
    },
  };
}

/** Columns side by side, tops aligned (the first steps of branches share a rank). */
function row(columns: Item[]): Item {
  const width = columns.reduce((w, c) => w + c.width, 0) + COLUMN_GAP * Math.max(0, columns.length - 1);
  const height = Math.max(0, ...columns.map((c) => c.height));
  return {
    width,
    height,
    place: (x, y) => {
      let left = x;
      for (const c of columns) {
        c.place(left, y);
        left += c.width + COLUMN_GAP;
      }
    },
  };
}

export function layoutGraph(model: GraphModel): Layout {
  const nodes: Record<string, Box> = {};
  const groups: Record<string, Box> = {};
  const leaf = (key: string, size: { width: number; height: number }): Item => ({
    ...size,
    place: (x, y) => {
      nodes[key] = { x, y, ...size };
    },
  });
  const listItem = (list: StepList | undefined): Item[] => (list ? list.steps.map(stepItem) : []);
  function stepItem(key: string): Item {
    const n = model.byKey.get(key);
    if (!n?.lists) return leaf(key, SIZES.step);
    // A parallel's own `steps` are each a branch of one step; every other list is one column.
    const columns: Item[] = [];
    for (const lk of n.lists) {
      const list = model.listByKey.get(lk);
      if (!list?.steps.length) continue;
      if (list.slot === 'parallel') for (const s of list.steps) columns.push(column([stepItem(s)]));
      else columns.push(column(listItem(list)));
    }
    const parts = [leaf(key, SIZES.step), ...(columns.length ? [row(columns)] : []), leaf(joinKey(key), SIZES.join)];
    const inner = column(parts);
    const size = { width: inner.width + 2 * PAD, height: inner.height + 2 * PAD };
    return {
      ...size,
      place: (x, y) => {
        groups[key] = { x, y, ...size };
        inner.place(x + PAD, y + PAD);
      },
    };
  }

  const top: Item[] = [];
  const has = (k: string) => model.terminals.some((t) => t.key === k);
  if (has(INPUTS_KEY)) top.push(leaf(INPUTS_KEY, SIZES.terminal));
  top.push(...listItem(model.listByKey.get('steps')));
  if (has(OUTPUTS_KEY)) top.push(leaf(OUTPUTS_KEY, SIZES.terminal));
  const all = column(top);
  all.place(PAD, PAD);

  // Routes: down from the bottom of one node, across just above the next, down into its top.
  const edges = model.edges.map((e) => {
    const a = nodes[e.from];
    const b = nodes[e.to];
    if (!a || !b) return { from: e.from, to: e.to, points: [] as Point[] };
    const start = { x: a.x + a.width / 2, y: a.y + a.height };
    const end = { x: b.x + b.width / 2, y: b.y };
    if (Math.abs(start.x - end.x) < 0.5) return { from: e.from, to: e.to, points: [start, end] };
    const turn = end.y - RANK_GAP / 2;
    return { from: e.from, to: e.to, points: [start, { x: start.x, y: turn }, { x: end.x, y: turn }, end] };
  });
  return {
    hash: model.structureHash,
    nodes,
    groups,
    edges,
    width: all.width + 2 * PAD,
    height: all.height + 2 * PAD,
  };
}

/** The layout for a model, reused while its structure is unchanged. */
export function layoutCached(model: GraphModel, cache: Map<string, Layout>): Layout {
  const hit = cache.get(model.structureHash);
  if (hit) return hit;
  const l = layoutGraph(model);
  if (cache.size > 16) cache.delete(cache.keys().next().value as string);
  cache.set(model.structureHash, l);
  return l;
}

export { INPUTS_KEY, OUTPUTS_KEY };
