// Turning scored calls into the per-configuration report of promptEval.
import { percentile } from '../perf-monitor/stats';
import { parseVerdict, scoreAnswer } from './score';
import type { CaseResult, ConfigurationReport, PromptEvalResult, Score, ScoreItem } from './types';

/** The score of one case: its answer by its scorer, or the judge's verdict. */
export function scoreItem(item: ScoreItem): Score {
  const a = item.answer;
  if (a.outcome === 'skipped') return { pass: null, score: null, reason: `not run: ${a.reason}` };
  if (a.outcome === 'error') return { pass: false, score: 0, reason: `no answer: ${a.error}` };
  if (item.scorer !== 'judge') return scoreAnswer(item, a.text);
  const j = item.judge;
  if (!j) return { pass: null, score: null, reason: 'not judged' };
  if (j.outcome === 'skipped') return { pass: null, score: null, reason: `judge skipped: ${j.reason}` };
  if (j.outcome === 'error') return { pass: null, score: null, reason: `judge failed: ${j.error}` };
  return parseVerdict(j.text);
}

const r6 = (x: number) => Math.round(x * 1e6) / 1e6;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

export function configurationReport(
  index: number,
  cfg: { label: string; route: string[] },
  results: CaseResult[],
): ConfigurationReport {
  const mine = results.filter((r) => r.configuration === index);
  const skipped = mine.filter((r) => r.outcome === 'skipped');
  const ok = mine.filter((r) => r.outcome === 'ok');
  const scored = mine.filter((r) => r.score !== null);
  const passed = scored.filter((r) => r.pass).length;
  const latencies = ok.map((r) => r.latencyMs as number);
  const priced = ok.filter((r) => typeof r.costUsd === 'number');
  const input = ok.reduce((s, r) => s + (r.tokens?.input ?? 0), 0);
  const output = ok.reduce((s, r) => s + (r.tokens?.output ?? 0), 0);
  const cost = priced.length > 0 ? r6(priced.reduce((s, r) => s + (r.costUsd as number), 0)) : null;
  const allSkipped = mine.length > 0 && skipped.length === mine.length;
  return {
    index,
    label: cfg.label,
    route: cfg.route,
    outcome: allSkipped ? 'skipped' : 'ok',
    ...(allSkipped ? { reason: skipped[0].reason.replace(/^not run: /, '') } : {}),
    models: [...new Set(ok.map((r) => r.model as string))],
    cases: mine.length,
    answered: ok.length,
    errors: mine.filter((r) => r.outcome === 'error').length,
    scored: scored.length,
    passed,
    passRate: scored.length ? r3(passed / scored.length) : null,
    meanScore: scored.length ? r3(scored.reduce((s, r) => s + (r.score as number), 0) / scored.length) : null,
    latencyMs: latencies.length
      ? { p50: percentile(latencies, 50) as number, p95: percentile(latencies, 95) as number }
      : null,
    tokens: { input, output, total: input + output },
    costUsd: cost,
    costPerCaseUsd: cost !== null && ok.length ? r6(cost / ok.length) : null,
    unpricedCalls: ok.length - priced.length,
  };
}

/**
 * The best configuration: the highest mean score; among equals the lower cost per case (when both
 * are priced), then the lower p50 latency. Undefined when nothing was scored.
 */
export function bestConfiguration(reports: ConfigurationReport[]): number | undefined {
  const scored = reports.filter((r) => r.meanScore !== null);
  if (scored.length === 0) return undefined;
  return [...scored].sort((a, b) => compareConfigurations(b, a))[0].index;
}

/** > 0 when `a` is better than `b` (quality, then cost, then latency); 0 when they tie. */
export function compareConfigurations(a: ConfigurationReport, b: ConfigurationReport): number {
  const qa = a.meanScore ?? -1;
  const qb = b.meanScore ?? -1;
  if (qa !== qb) return qa - qb;
  if (a.costPerCaseUsd !== null && b.costPerCaseUsd !== null && a.costPerCaseUsd !== b.costPerCaseUsd) {
    return b.costPerCaseUsd - a.costPerCaseUsd;
  }
  const la = a.latencyMs?.p50 ?? Infinity;
  const lb = b.latencyMs?.p50 ?? Infinity;
  if (la !== lb) return lb - la;
  return 0;
}

export function evalReport(input: {
  configurations: { label: string; route: string[] }[];
  results: CaseResult[];
  judge?: { route?: string[]; skipped?: string };
}): PromptEvalResult {
  const configurations = input.configurations.map((c, i) => configurationReport(i, c, input.results));
  const ran = configurations.filter((c) => c.outcome === 'ok');
  const judged = input.results.filter((r) => r.judge);
  const judgeCosts = judged.filter((r) => typeof r.judge?.costUsd === 'number');
  const result: PromptEvalResult = {
    outcome: ran.length ? 'ok' : 'skipped',
    ...(ran.length ? {} : { reason: configurations[0]?.reason ?? 'nothing ran' }),
    configurations,
    cases: input.results,
  };
  if (input.judge) {
    result.judge = {
      ...(input.judge.route ? { route: input.judge.route } : {}),
      calls: judged.length,
      ...(input.judge.skipped ? { skipped: input.judge.skipped } : {}),
      tokens: judged.reduce((s, r) => s + (r.judge?.tokens ?? 0), 0),
      costUsd: judgeCosts.length ? r6(judgeCosts.reduce((s, r) => s + (r.judge?.costUsd as number), 0)) : null,
    };
  }
  const best = bestConfiguration(configurations);
  if (best !== undefined) result.best = best;
  return result;
}
