// Runs the evaluation set's queries against a memory store: recall@5 and MRR per query kind, and
// the search latency seen meanwhile. Shared by the quality test and bench/memory.ts.
import fs from 'node:fs';
import path from 'node:path';
import type { MemoryStore, SearchMode, SetInput } from '../../lib/memory';

export interface EvalSet {
  entries: Pick<SetInput, 'namespace' | 'key' | 'value' | 'tags'>[];
  queries: { kind: string; q: string; relevant: string[] }[];
}

export interface KindResult {
  kind: string;
  queries: number;
  /** Share of queries with a relevant entry among the first five hits. */
  recallAt5: number;
  /** Mean of 1 / rank of the first relevant hit (0 when none is in the first 20). */
  mrr: number;
  p50Ms: number;
  p95Ms: number;
  /** Queries whose relevant entry was not in the first five: the query and what came first. */
  misses: { q: string; top: string[] }[];
}

export function loadEvalSet(file = path.join(__dirname, 'set.json')): EvalSet {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as EvalSet;
}

const pct = (s: number[], p: number) => [...s].sort((a, b) => a - b)[Math.min(s.length - 1, Math.floor(p * s.length))];

/** Every query of `kinds` (default all) searched once in `mode`, 20 hits each. */
export async function evaluate(
  store: Pick<MemoryStore, 'searchResult'>,
  set: EvalSet,
  mode: SearchMode,
  kinds?: string[],
): Promise<KindResult[]> {
  const out: KindResult[] = [];
  for (const kind of kinds ?? [...new Set(set.queries.map((q) => q.kind))]) {
    const queries = set.queries.filter((q) => q.kind === kind);
    let found = 0;
    let rr = 0;
    const ms: number[] = [];
    const misses: KindResult['misses'] = [];
    for (const query of queries) {
      const t0 = performance.now();
      const { hits } = await store.searchResult({ q: query.q, mode, limit: 20 });
      ms.push(performance.now() - t0);
      const names = hits.map((h) => `${h.namespace}${h.key}`);
      const rank = names.findIndex((n) => query.relevant.includes(n));
      if (rank >= 0 && rank < 5) found++;
      else misses.push({ q: query.q, top: names.slice(0, 3) });
      if (rank >= 0) rr += 1 / (rank + 1);
    }
    out.push({
      kind,
      queries: queries.length,
      recallAt5: found / queries.length,
      mrr: rr / queries.length,
      p50Ms: pct(ms, 0.5),
      p95Ms: pct(ms, 0.95),
      misses,
    });
  }
  return out;
}

/** A markdown table of results. */
export function evalTable(results: KindResult[], mode: string): string {
  const rows = results.map(
    (r) =>
      `| ${mode} | ${r.kind} | ${r.queries} | ${r.recallAt5.toFixed(2)} | ${r.mrr.toFixed(2)} | ${r.p50Ms.toFixed(2)} / ${r.p95Ms.toFixed(2)} |`,
  );
  return [
    '| mode | kind | queries | recall@5 | MRR | ms p50 / p95 |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
