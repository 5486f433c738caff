// The analytics time range: defaults, bucket alignment, the automatic bucket size, and the 400s
// that say what to choose instead.
import { resolveRange } from '../../lib/analytics';
import { ProblemError } from '../../lib/errors';

const NOW = new Date('2026-06-10T12:34:56.789Z');
const problem = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ProblemError);
    return (err as ProblemError).detail;
  }
  throw new Error('no error');
};

test('default: the last 24 hours, in 15-minute buckets aligned to the clock (UTC)', () => {
  const r = resolveRange({}, NOW);
  expect(r.to).toEqual(NOW);
  expect(r.from).toEqual(new Date(NOW.getTime() - 86_400_000));
  expect(r.bucket).toBe('15m');
  expect(r.buckets[0]).toBe('2026-06-09T12:30:00.000Z');
  expect(r.buckets.at(-1)).toBe('2026-06-10T12:30:00.000Z');
  expect(r.buckets).toHaveLength(97);
});

test.each([
  [3600_000, '1m'],
  [6 * 3600_000, '5m'],
  [7 * 86_400_000, '1h'],
  [30 * 86_400_000, '6h'],
  [365 * 86_400_000, '1d'],
])('a range of %d ms gets %s buckets (at most 200 points; days up to 400 days)', (ms, bucket) => {
  const r = resolveRange({ from: new Date(NOW.getTime() - ms).toISOString(), to: NOW.toISOString() });
  expect(r.bucket).toBe(bucket);
  expect(r.buckets.length).toBeLessThanOrEqual(bucket === '1d' ? 401 : 201);
});

test('a chosen bucket is kept when it makes at most 500 points', () => {
  const r = resolveRange({ from: '2026-06-10T00:00:00Z', to: '2026-06-10T08:00:00Z', bucket: '1m' });
  expect(r).toMatchObject({ bucket: '1m', bucketMs: 60_000 });
  expect(r.buckets).toHaveLength(480);
});

test('the 400s say what to fix', () => {
  expect(problem(() => resolveRange({ from: '2026-06-10T00:00:00Z', to: '2026-06-20T00:00:00Z', bucket: '5m' }))).toBe(
    'bucket: 5m over this range makes 2,880 points (at most 500): choose 1h, 6h, 1d, or a shorter range',
  );
  expect(problem(() => resolveRange({ from: '2026-06-10T00:00:00Z', to: '2026-06-10T00:00:00Z' }))).toMatch(
    /^from \(2026-06-10T00:00:00.000Z\) must be before to/,
  );
  expect(problem(() => resolveRange({ from: '2020-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }))).toMatch(
    /longer than 400 days: choose a shorter one$/,
  );
});
