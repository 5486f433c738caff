// The arithmetic of perfMonitor: nearest-rank percentiles, summaries and the regression rule.
import { compareRuns, percentile, summarize } from '../../activities/dev/perf-monitor/stats';

test('nearest-rank percentiles return observed values', () => {
  const xs = Array.from({ length: 20 }, (_, i) => 20 - i); // 20..1, unsorted on purpose
  expect(percentile(xs, 50)).toBe(10);
  expect(percentile(xs, 95)).toBe(19);
  expect(percentile(xs, 99)).toBe(20);
  expect(percentile(xs, 100)).toBe(20);
  expect(percentile([15, 20, 35, 40, 50], 30)).toBe(20); // rank ⌈1.5⌉ = 2
  expect(percentile([15, 20, 35, 40, 50], 40)).toBe(20); // rank 2
  expect(percentile([15, 20, 35, 40, 50], 50)).toBe(35); // rank ⌈2.5⌉ = 3
  expect(percentile([7], 1)).toBe(7);
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
  expect(percentile(hundred, 7)).toBe(7);
  expect(percentile(hundred, 99.9)).toBe(100);
  expect(percentile([], 50)).toBeUndefined();
  expect(() => percentile([1], 0)).toThrow(RangeError);
  expect(xs[0]).toBe(20); // input not sorted in place
});

test('summaries', () => {
  expect(summarize([])).toBeUndefined();
  expect(summarize([1, 2, 3, 4.004])).toEqual({ count: 4, min: 1, mean: 2.5, p50: 2, p95: 4, p99: 4, max: 4 });
});

test('the regression rule: relative threshold plus an absolute floor', () => {
  const rule = { threshold: 0.2, minDeltaMs: 5 };
  expect(compareRuns({ p95: 100, errorRate: 0 }, { p95: 100, errorRate: 0 }, rule).regressed).toBe(false);
  expect(compareRuns({ p95: 120, errorRate: 0 }, { p95: 100, errorRate: 0 }, rule).regressed).toBe(false);
  const slow = compareRuns({ p95: 121, errorRate: 0 }, { p95: 100, errorRate: 0 }, rule);
  expect(slow).toMatchObject({ regressed: true, reasons: ['p95 121 ms vs baseline 100 ms (+21%, threshold 20%)'] });
  expect(slow.p95Change).toBeCloseTo(0.21);
  // Sub-millisecond jitter is not a regression however large relatively.
  expect(compareRuns({ p95: 2, errorRate: 0 }, { p95: 0.5, errorRate: 0 }, rule).regressed).toBe(false);
  // Error rate: from 0 a rise of one point counts; a small relative rise does not.
  expect(compareRuns({ p95: 10, errorRate: 0.05 }, { p95: 10, errorRate: 0 }, rule).reasons).toEqual([
    'error rate 5% vs baseline 0%',
  ]);
  expect(compareRuns({ p95: 10, errorRate: 0.11 }, { p95: 10, errorRate: 0.1 }, rule).regressed).toBe(false);
  expect(compareRuns({ p95: 10, errorRate: 0.005 }, { p95: 10, errorRate: 0 }, rule).regressed).toBe(false);
  // Nothing succeeded any more.
  expect(compareRuns({ errorRate: 1 }, { p95: 10, errorRate: 0 }, rule).reasons).toEqual([
    'no request succeeded (baseline p95 10 ms)',
  ]);
  // Faster is fine.
  expect(compareRuns({ p95: 50, errorRate: 0 }, { p95: 100, errorRate: 0 }, rule).regressed).toBe(false);
});
