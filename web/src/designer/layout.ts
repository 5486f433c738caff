// Automatic layout of the designer's graph with dagre: top to bottom, each group (parallel,
// condition, loop) laid out by itself and then placed as one box holding its header, its steps and
// its exit, so groups never overlap. Only sequence edges rank the nodes; data references are drawn
// over the result and never move anything. The layout depends on the structure alone
// (GraphModel.structureHash), so run status or a field's value never moves a node: key a cache on
// the hash.
import { Graph, layout as dagreLayout } from '@dagrejs/dagre';
import { type GraphModel, INPUTS_KEY, OUTPUTS_KEY } from './model';

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
  /** Sequence edges' routes (data edges are drawn between node boxes by the UI). */
  edges: { from: string; to: string; points: { x: number; y: number }[] }[];
  width: number;
  height: number;
}

export const SIZES = {
  step: { width: 200, height: 48 },
  join: { width: 14, height: 14 },
  terminal: { width: 140, height: 36 },
};

const boxId = (key: string) => `box:${key}`;
const PAD = 16;

type Point = { x: number; y: number };
/** One level's layout, in its own coordinates (top-left at 0, 0). */
interface Level {
  width: number;
  height: number;
  /** Centres of the nodes placed at this level (boxes as box:<key>). */
  at: Map<string, Box>;
  edges: Map<string, Point[]>;
}

/**
 * Lays out each group by itself (its header, its steps, nested groups as boxes of their own size,
 * its exit), inside out, then the top level with the groups as single nodes. Sequence edges enter a
 * group only at its header and leave only from its exit, so this nesting is exact; each dagre graph
 * stays small (faster than one compound graph), and groups cannot overlap.
 */
export function layoutGraph(model: GraphModel): Layout {
  /** The container (group key, or '' for the top level) a node is drawn in. */
  const containerOf = (k: string): string => {
    if (k.endsWith('$end')) return k.slice(0, -'$end'.length);
    const n = model.byKey.get(k);
    if (!n) return '';
    return n.lists ? k : (n.parent ?? '');
  };
  const parentOf = (c: string) => (c === '' ? undefined : (model.byKey.get(c)?.parent ?? ''));
  /** What stands for node k in container c: k itself, or the box of the child group holding it. */
  const rep = (k: string, c: string): string | undefined => {
    let own = containerOf(k);
    if (own === c) return k;
    for (;;) {
      const up = parentOf(own);
      if (up === undefined) return undefined;
      if (up === c) return boxId(own);
      own = up;
    }
  };
  const members = new Map<string, string[]>();
  const add = (c: string, k: string) => members.set(c, [...(members.get(c) ?? []), k]);
  for (const t of model.terminals) add(t.type === 'join' ? (t.group as string) : '', t.key);
  for (const n of model.nodes) {
    if (n.lists) {
      add(n.key, n.key);
      add(n.parent ?? '', boxId(n.key));
    } else add(n.parent ?? '', n.key);
  }
  const levels = new Map<string, Level>();
  const edgeKey = (a: string, b: string) => `${a}>${b}`;
  const layoutLevel = (c: string): Level => {
    const g = new Graph({ multigraph: false });
    g.setGraph({ rankdir: 'TB', nodesep: 28, ranksep: 36, marginx: PAD, marginy: PAD });
    g.setDefaultEdgeLabel(() => ({}));
    for (const k of members.get(c) ?? []) {
      if (k.startsWith('box:')) {
        const inner = levels.get(k.slice(4)) ?? layoutLevel(k.slice(4));
        g.setNode(k, { width: inner.width, height: inner.height });
      } else if (k.endsWith('$end')) g.setNode(k, { ...SIZES.join });
      else if (k === INPUTS_KEY || k === OUTPUTS_KEY) g.setNode(k, { ...SIZES.terminal });
      else g.setNode(k, { ...SIZES.step });
    }
    for (const e of model.edges) {
      const a = rep(e.from, c);
      const b = rep(e.to, c);
      if (a && b && a !== b && g.hasNode(a) && g.hasNode(b)) g.setEdge(a, b);
    }
    // Sequence graphs are series-parallel: the first order dagre makes (depth first, in the order
    // the file writes the steps, so branches side by side as written, then before else) has no
    // crossings, and its search for fewer crossings would only shuffle branches.
    dagreLayout(g, { disableOptimalOrderHeuristic: true });
    const at = new Map<string, Box>();
    for (const k of g.nodes()) {
      const l = g.node(k) as { x: number; y: number; width: number; height: number };
      at.set(k, { x: l.x - l.width / 2, y: l.y - l.height / 2, width: l.width, height: l.height });
    }
    const edges = new Map<string, Point[]>();
    for (const e of g.edges()) {
      const pts = ((g.edge(e) as { points?: Point[] } | undefined)?.points ?? []).map((p) => ({ x: p.x, y: p.y }));
      edges.set(edgeKey(e.v, e.w), pts);
    }
    const graph = g.graph() as { width?: number; height?: number };
    const level = { width: graph.width ?? 0, height: graph.height ?? 0, at, edges };
    levels.set(c, level);
    return level;
  };
  const top = layoutLevel('');

  // Absolute positions: each level offset by its box's top-left corner.
  const nodes: Record<string, Box> = {};
  const groups: Record<string, Box> = {};
  const offset = new Map<string, Point>([['', { x: 0, y: 0 }]]);
  const place = (c: string) => {
    const o = offset.get(c) as Point;
    const level = levels.get(c) as Level;
    for (const [k, b] of level.at) {
      const abs = { x: b.x + o.x, y: b.y + o.y, width: b.width, height: b.height };
      if (k.startsWith('box:')) {
        const g = k.slice(4);
        groups[g] = abs;
        offset.set(g, { x: abs.x, y: abs.y });
        place(g);
      } else nodes[k] = abs;
    }
  };
  place('');
  const centre = (b: Box) => ({ x: b.x + b.width / 2, y: b.y + b.height / 2 });
  const edges = model.edges.map((e) => {
    // The level where both ends are drawn: the innermost container holding both.
    let c = containerOf(e.from);
    while (c !== undefined && !(rep(e.to, c) && rep(e.from, c))) c = parentOf(c) as string;
    const o = offset.get(c ?? '') ?? { x: 0, y: 0 };
    const a = rep(e.from, c ?? '') as string;
    const b = rep(e.to, c ?? '') as string;
    const pts = (levels.get(c ?? '')?.edges.get(edgeKey(a, b)) ?? []).map((p) => ({ x: p.x + o.x, y: p.y + o.y }));
    // An end inside a box: run on to the header or the exit itself.
    if (a !== e.from && nodes[e.from]) pts.unshift(centre(nodes[e.from]));
    if (b !== e.to && nodes[e.to]) pts.push(centre(nodes[e.to]));
    return { from: e.from, to: e.to, points: pts };
  });
  return { hash: model.structureHash, nodes, groups, edges, width: top.width, height: top.height };
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
