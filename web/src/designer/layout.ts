// Automatic layout of the designer's graph with dagre: top to bottom, groups (parallel, condition,
// loop) as compound nodes holding their steps and their exit, so groups never overlap. Only sequence
// edges rank the nodes; data references are drawn over the result and never move anything. The
// layout depends on the structure alone (GraphModel.structureHash), so run status or a field's
// value never moves a node: key a cache on the hash.
import { Graph, layout as dagreLayout } from '@dagrejs/dagre';
import { type GraphModel, INPUTS_KEY, joinKey, OUTPUTS_KEY } from './model';

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

const groupId = (key: string) => `box:${key}`;

export function layoutGraph(model: GraphModel): Layout {
  const g = new Graph({ compound: true, multigraph: false });
  g.setGraph({ rankdir: 'TB', nodesep: 28, ranksep: 36, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const t of model.terminals) {
    if (t.type === 'join') g.setNode(t.key, { ...SIZES.join });
    else g.setNode(t.key, { ...SIZES.terminal });
  }
  for (const n of model.nodes) {
    g.setNode(n.key, { ...SIZES.step });
    if (n.lists) {
      g.setNode(groupId(n.key), { width: 0, height: 0, paddingX: 16, paddingY: 16 });
      g.setParent(n.key, groupId(n.key));
      g.setParent(joinKey(n.key), groupId(n.key));
    }
    if (n.parent !== undefined) {
      const box = groupId(n.parent);
      g.setParent(n.lists ? groupId(n.key) : n.key, box);
    }
  }
  for (const e of model.edges) g.setEdge(e.from, e.to);
  dagreLayout(g);

  const nodes: Record<string, Box> = {};
  const groups: Record<string, Box> = {};
  const box = (id: string): Box => {
    const l = g.node(id) as { x: number; y: number; width: number; height: number };
    return { x: l.x - l.width / 2, y: l.y - l.height / 2, width: l.width, height: l.height };
  };
  for (const t of model.terminals) nodes[t.key] = box(t.key);
  for (const n of model.nodes) {
    nodes[n.key] = box(n.key);
    if (n.lists) groups[n.key] = box(groupId(n.key));
  }
  const edges = model.edges.map((e) => ({
    from: e.from,
    to: e.to,
    points: ((g.edge(e.from, e.to) as { points?: { x: number; y: number }[] } | undefined)?.points ?? []).map((p) => ({
      x: p.x,
      y: p.y,
    })),
  }));
  const graph = g.graph() as { width?: number; height?: number };
  return { hash: model.structureHash, nodes, groups, edges, width: graph.width ?? 0, height: graph.height ?? 0 };
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
