// bench/designer: the designer's parse + model + layout of a generated 200-step definition (parallel,
// condition and loop groups, references), p50/p95 over N runs, beside a bare baseline in the same
// run: `yaml.parse` alone and a trivial grid layout of the steps it finds. The target is
// parse + layout + first render under 500 ms; the render is the UI's part and is not measured here.
//
//   npx tsx bench/designer.ts [steps=200] [runs=40]
import { parse } from 'yaml';
import { sampleDefinition } from '../test/helpers/designer-sample';
import { setField } from '../web/src/designer/edits';
import { layoutGraph } from '../web/src/designer/layout';
import { buildModel } from '../web/src/designer/model';

const STEPS = Number(process.argv[2] ?? 200);
const RUNS = Number(process.argv[3] ?? 40);

const pct = (s: number[], p: number) => [...s].sort((a, b) => a - b)[Math.min(s.length - 1, Math.floor(p * s.length))];

function time<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const v = fn();
  return [v, performance.now() - t0];
}

/** The baseline: the steps found in the parsed JSON, placed on a grid, one row each. */
function gridLayout(js: unknown): Record<string, { x: number; y: number }> {
  const out: Record<string, { x: number; y: number }> = {};
  let row = 0;
  const walk = (list: unknown, depth: number) => {
    if (!Array.isArray(list)) return;
    for (const s of list as Record<string, unknown>[]) {
      if (!s || typeof s !== 'object') continue;
      out[String(s.id)] = { x: depth * 40, y: row++ * 60 };
      for (const v of Object.values(s)) {
        if (v && typeof v === 'object' && !Array.isArray(v)) {
          const body = v as Record<string, unknown>;
          for (const k of ['steps', 'then', 'else']) walk(body[k], depth + 1);
          if (Array.isArray(body.branches))
            for (const b of body.branches as { steps?: unknown }[]) walk(b?.steps, depth + 1);
        }
      }
    }
  };
  walk((js as { steps?: unknown }).steps, 0);
  return out;
}

const text = sampleDefinition(STEPS);
const rows: Record<string, number[]> = {
  model: [],
  layout: [],
  designer: [],
  'yaml.parse': [],
  grid: [],
  baseline: [],
  'edit+model': [],
};
let nodes = 0;
for (let i = 0; i < RUNS + 5; i++) {
  const [model, tm] = time(() => buildModel(text));
  const [, tl] = time(() => layoutGraph(model));
  const [js, tp] = time(() => parse(text) as unknown);
  const [grid, tg] = time(() => gridLayout(js));
  nodes = Object.keys(grid).length;
  // A visual edit as the UI makes it: the edit (it reads the text), then the new text's model; the
  // structure is unchanged, so the layout is the cached one.
  const [, te] = time(() => buildModel(setField(text, 's1', 'http.url', `https://example.com/${i}`).text));
  if (i < 5) continue; // warm-up
  rows.model.push(tm);
  rows.layout.push(tl);
  rows.designer.push(tm + tl);
  rows['yaml.parse'].push(tp);
  rows.grid.push(tg);
  rows.baseline.push(tp + tg);
  rows['edit+model'].push(te);
}

console.log(`designer: ${STEPS}-step definition (${text.length} bytes, ${nodes} steps), ${RUNS} runs after 5 warm-up`);
for (const [name, s] of Object.entries(rows)) {
  console.log(
    `  ${name.padEnd(11)} p50 ${pct(s, 0.5).toFixed(1).padStart(7)} ms   p95 ${pct(s, 0.95).toFixed(1).padStart(7)} ms`,
  );
}
console.log('  (edit+model: a field set from the side panel and the new text read again; the layout is reused)');
const ratio = pct(rows.designer, 0.5) / pct(rows.baseline, 0.5);
console.log(`  designer (parse + model + layout) / baseline (yaml.parse + grid): ${ratio.toFixed(1)}x at p50`);
console.log(
  `  target: parse + layout + first render < 500 ms; parse + model + layout p95 = ${pct(rows.designer, 0.95).toFixed(0)} ms, leaving ${Math.max(0, 500 - pct(rows.designer, 0.95)).toFixed(0)} ms for the render`,
);
