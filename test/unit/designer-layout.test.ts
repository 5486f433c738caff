// The designer's automatic layout (web/src/designer/layout.ts, read off the nesting): readable for a
// 200-step definition (nothing overlaps, every step sits inside its group, sequence runs top to bottom),
// deterministic, and driven by structure only: a field's value or a data reference never moves a
// node, and the layout is reused while the structure hash is unchanged.
import fs from 'node:fs';
import path from 'node:path';
import { parseDefinition } from '../../lib/custom-workflows';
import { moveStep, setField } from '../../web/src/designer/edits';
import { layoutCached, layoutGraph, type Box, type Layout } from '../../web/src/designer/layout';
import { buildModel, type GraphModel } from '../../web/src/designer/model';
import { sampleDefinition } from '../helpers/designer-sample';

const EXAMPLE = fs.readFileSync(path.join(__dirname, '../../.claude-flow/workflows/example.yaml'), 'utf8');
const BIG = sampleDefinition(200);

const overlaps = (a: Box, b: Box) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
const inside = (a: Box, b: Box) =>
  a.x >= b.x - 0.5 &&
  a.y >= b.y - 0.5 &&
  a.x + a.width <= b.x + b.width + 0.5 &&
  a.y + a.height <= b.y + b.height + 0.5;

/** What each node or group box sits in (its parent group), to compare siblings. */
function checkReadable(model: GraphModel, l: Layout) {
  // Each item is a leaf node's box or a group's box, with the group it belongs to.
  const items: { key: string; box: Box; parent?: string }[] = [];
  for (const n of model.nodes) {
    if (n.lists) {
      items.push({ key: `group ${n.key}`, box: l.groups[n.key], parent: n.parent });
      // The header and the exit are inside the group's own box.
      expect(inside(l.nodes[n.key], l.groups[n.key])).toBe(true);
      expect(inside(l.nodes[`${n.key}$end`], l.groups[n.key])).toBe(true);
    } else items.push({ key: n.key, box: l.nodes[n.key], parent: n.parent });
    if (n.parent !== undefined) {
      const own = n.lists ? l.groups[n.key] : l.nodes[n.key];
      expect(inside(own, l.groups[n.parent])).toBe(true);
    }
  }
  for (const t of model.terminals) if (t.type !== 'join') items.push({ key: t.key, box: l.nodes[t.key] });
  // Siblings (same parent) never overlap; headers and exits never overlap their group's members.
  const byParent = new Map<string | undefined, typeof items>();
  for (const it of items) byParent.set(it.parent, [...(byParent.get(it.parent) ?? []), it]);
  for (const group of byParent.values()) {
    const sorted = [...group].sort((a, b) => a.box.y - b.box.y);
    for (let i = 0; i < sorted.length; i++) {
      for (let j = i + 1; j < sorted.length && sorted[j].box.y < sorted[i].box.y + sorted[i].box.height; j++) {
        if (overlaps(sorted[i].box, sorted[j].box)) throw new Error(`${sorted[i].key} overlaps ${sorted[j].key}`);
      }
    }
  }
  // Sequence runs top to bottom: every edge goes down the page.
  for (const e of model.edges) {
    const a = l.nodes[e.from];
    const b = l.nodes[e.to];
    expect(a.y + a.height).toBeLessThanOrEqual(b.y + 0.5);
  }
  // Each sequence edge's route runs from its start's box to its end's box.
  const near = (p: { x: number; y: number }, b: Box) =>
    p.x >= b.x - 1 && p.x <= b.x + b.width + 1 && p.y >= b.y - 1 && p.y <= b.y + b.height + 1;
  expect(l.edges).toHaveLength(model.edges.length);
  for (const e of l.edges) {
    expect(e.points.length).toBeGreaterThanOrEqual(2);
    expect([e.from, near(e.points[0], l.nodes[e.from])]).toEqual([e.from, true]);
    expect([e.to, near(e.points[e.points.length - 1], l.nodes[e.to])]).toEqual([e.to, true]);
  }
  for (const b of Object.values(l.nodes)) {
    for (const v of [b.x, b.y, b.width, b.height]) expect(Number.isFinite(v)).toBe(true);
    expect(b.x + b.width).toBeLessThanOrEqual(l.width + 0.5);
  }
}

describe('layout', () => {
  test('the generated 200-step definition is valid for the server and laid out readably', () => {
    const def = parseDefinition(BIG, 'big.yaml', 'big', { shellAllowlist: ['echo', 'git'], workflowTypes: [] });
    expect(def.steps.length).toBeGreaterThan(100);
    const model = buildModel(BIG);
    expect(model.nodes).toHaveLength(200);
    expect(model.nodes.filter((n) => n.lists).length).toBeGreaterThan(20);
    expect(model.data.length).toBeGreaterThan(50);
    checkReadable(model, layoutGraph(model));
  });

  test('the example, each group around its steps', () => {
    const model = buildModel(EXAMPLE);
    const l = layoutGraph(model);
    checkReadable(model, l);
    // The parallel's two branches sit side by side, on one rank.
    expect(l.nodes.branch.y).toBe(l.nodes.listing.y);
    expect(l.nodes.branch.x + l.nodes.branch.width).toBeLessThan(l.nodes.listing.x);
    // In the order the file writes them; then before else.
    const cond = buildModel(sampleDefinition(12));
    const cl = layoutGraph(cond);
    expect(cl.nodes.s5.x).toBeLessThan(cl.nodes.s7.x);
  });

  test('deterministic, and only structure moves nodes: values and data references do not', () => {
    const model = buildModel(BIG);
    const a = layoutGraph(model);
    expect(layoutGraph(buildModel(BIG))).toEqual(a);
    // A new reference from the last step to the first, and a changed URL: same structure, same places.
    const last = model.nodes.filter((n) => n.kind === 'ai').at(-1)!.key;
    let text = setField(BIG, last, 'ai.prompt', 'Uses ${{ steps.s1.output.text }}').text;
    text = setField(text, 's1', 'http.url', 'https://example.org/elsewhere').text;
    const changed = buildModel(text);
    expect(changed.data.some((d) => d.from === 's1' && d.to === last)).toBe(true);
    expect(model.data.some((d) => d.from === 's1' && d.to === last)).toBe(false);
    expect(changed.structureHash).toBe(model.structureHash);
    expect(layoutGraph(changed).nodes).toEqual(a.nodes);
    const cache = new Map<string, Layout>();
    const first = layoutCached(model, cache);
    expect(layoutCached(changed, cache)).toBe(first);
    // A structural change lays out again.
    const moved = buildModel(moveStep(BIG, 's1', 'down').text);
    expect(moved.structureHash).not.toBe(model.structureHash);
    expect(layoutCached(moved, cache)).not.toBe(first);
  });
});
