// Pure arithmetic of performance runs: percentiles, summaries and the regression rule. Shared by
// perfMonitor (HTTP probes) and promptEval (model-call latency).

/**
 * The p-th percentile (0 < p ≤ 100) of `values` by the nearest-rank method: sort ascending and take
 * the value at rank ⌈p/100 · n⌉ (1-based). The result is always an observed value; p100 is the
 * maximum; undefined for an empty list. E.g. for 20 samples p95 is the 19th smallest, p99 the 20th.
 */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  // p·n/100 in that order (and a hair of tolerance) so that e.g. p7 of 100 samples is rank 7, not 8.
  const rank = Math.ceil((p * sorted.length) / 100 - 1e-9);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export interface LatencySummary {
  /** How many samples the figures are over. */
  count: number;
  min: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

const round = (x: number) => Math.round(x * 100) / 100;

/** Min, mean, nearest-rank p50/p95/p99 and max (ms, two decimals); undefined with no samples. */
export function summarize(values: readonly number[]): LatencySummary | undefined {
  if (values.length === 0) return undefined;
  const sum = values.reduce((s, v) => s + v, 0);
  return {
    count: values.length,
    min: round(Math.min(...values)),
    mean: round(sum / values.length),
    p50: round(percentile(values, 50) as number),
    p95: round(percentile(values, 95) as number),
    p99: round(percentile(values, 99) as number),
    max: round(Math.max(...values)),
  };
}

/** What the regression rule compares of one run. */
export interface RunFigures {
  /** p95 latency of successful requests, ms; undefined when none succeeded. */
  p95?: number;
  /** Failed requests / requests, 0..1. */
  errorRate: number;
}

export interface RegressionRule {
  /** Relative worsening that counts (0.2: 20 %). */
  threshold: number;
  /** p95 must also be at least this many ms slower (keeps sub-millisecond jitter from alerting). */
  minDeltaMs: number;
}

/** Error rates must also rise by at least this much (one percentage point). */
export const MIN_ERROR_RATE_DELTA = 0.01;

export interface Comparison {
  regressed: boolean;
  /** One line per rule broken, for alerts and reports. */
  reasons: string[];
  /** current.p95 / baseline.p95 − 1; undefined without both. */
  p95Change?: number;
  errorRateChange: number;
}

/**
 * A run regressed against its baseline when
 * - its p95 is more than `threshold` above the baseline's p95 and at least `minDeltaMs` above it, or
 * - its error rate is more than `threshold` above the baseline's (relatively) and at least one
 *   percentage point above it (so from 0 % any rise of a point or more counts), or
 * - no request succeeded while the baseline had successes.
 */
export function compareRuns(current: RunFigures, baseline: RunFigures, rule: RegressionRule): Comparison {
  const reasons: string[] = [];
  let p95Change: number | undefined;
  if (current.p95 !== undefined && baseline.p95 !== undefined) {
    p95Change = baseline.p95 > 0 ? current.p95 / baseline.p95 - 1 : current.p95 > 0 ? Infinity : 0;
    const delta = current.p95 - baseline.p95;
    if (current.p95 > baseline.p95 * (1 + rule.threshold) && delta >= rule.minDeltaMs) {
      reasons.push(
        `p95 ${fmtMs(current.p95)} vs baseline ${fmtMs(baseline.p95)} (+${fmtPct(p95Change)}, threshold ${fmtPct(rule.threshold)})`,
      );
    }
  } else if (current.p95 === undefined && baseline.p95 !== undefined) {
    reasons.push(`no request succeeded (baseline p95 ${fmtMs(baseline.p95)})`);
  }
  const errorRateChange = current.errorRate - baseline.errorRate;
  if (
    current.errorRate > baseline.errorRate * (1 + rule.threshold) &&
    errorRateChange >= MIN_ERROR_RATE_DELTA - 1e-12 &&
    !(current.p95 === undefined && baseline.p95 !== undefined)
  ) {
    reasons.push(`error rate ${fmtPct(current.errorRate)} vs baseline ${fmtPct(baseline.errorRate)}`);
  }
  return { regressed: reasons.length > 0, reasons, p95Change, errorRateChange };
}

export function fmtMs(ms: number): string {
  return `${Math.round(ms * 10) / 10} ms`;
}

export function fmtPct(x: number): string {
  return Number.isFinite(x) ? `${Math.round(x * 1000) / 10}%` : '∞%';
}
