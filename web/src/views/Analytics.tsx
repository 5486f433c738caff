// Analytics and performance monitor: over a chosen time range (last hour, day, 7 or 30 days, or
// from–to; the bucket size follows the range unless chosen), tokens and cost by provider or model,
// workflow runs by outcome and their duration percentiles by type, sessions by status and their
// durations, failed model calls and runs by type, and each perfMonitor target's p50/p95 against its
// baseline with regressions marked. Each chart has its table and an "Export CSV" of what it shows.
// Loaded lazily (uPlot stays out of the first bundle); refreshed by events on `analytics`.
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useLocation, useSearch } from 'wouter';
import { api, count, money, plural, when } from '../api';
import { useLive } from '../live';
import { ErrorBox } from '../ui';
import { Chart, PALETTE, type Dataset, type Series } from './Chart';
import {
  duration,
  RecentErrors,
  type ErrorSeries,
  type PerfTargets,
  type SessionSeries,
  type UsageSeries,
  type WorkflowSeries,
} from './analytics-shared';

const PRESETS = [
  { id: '1h', label: 'Last hour', ms: 3600_000 },
  { id: '24h', label: 'Last day', ms: 86_400_000 },
  { id: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { id: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
] as const;
const BUCKETS = [
  ['', 'automatic'],
  ['1m', '1 minute'],
  ['5m', '5 minutes'],
  ['15m', '15 minutes'],
  ['1h', '1 hour'],
  ['6h', '6 hours'],
  ['1d', '1 day'],
] as const;
const BUCKET_TEXT: Record<string, string> = Object.fromEntries(BUCKETS.filter(([b]) => b));

const OUTCOME_COLORS: Record<string, string> = {
  completed: 'var(--ok)',
  failed: 'var(--danger)',
  running: 'var(--accent)',
  cancelled: 'var(--muted)',
  timed_out: 'var(--warn)',
  terminated: '#b07aa1',
  active: 'var(--accent)',
  paused: 'var(--warn)',
  waiting_approval: '#f28e2b',
  ended: 'var(--ok)',
};

/** The `from`/`to` of the range in the URL, computed when a query runs (presets end now). */
function rangeOf(params: URLSearchParams): { from: string; to: string } {
  const preset = PRESETS.find((p) => p.id === (params.get('range') ?? '24h'));
  if (preset) {
    const to = new Date();
    return { from: new Date(to.getTime() - preset.ms).toISOString(), to: to.toISOString() };
  }
  return { from: params.get('from') ?? '', to: params.get('to') ?? '' };
}

const secs = (iso: string) => Date.parse(iso) / 1000;

/** One series per key over every bucket (0 where a bucket has no row), in the given order. */
function pivot<P extends { bucket: string }>(
  buckets: string[],
  points: P[],
  keyOf: (p: P) => string,
  valueOf: (p: P) => number,
  keys: string[],
  colorOf: (key: string, i: number) => string,
  empty: number | null = 0,
): Series[] {
  const index = new Map(buckets.map((b, i) => [b, i]));
  return keys.map((key, i) => {
    const values: (number | null)[] = buckets.map(() => empty);
    for (const p of points) {
      if (keyOf(p) !== key) continue;
      const at = index.get(p.bucket);
      if (at !== undefined) values[at] = (values[at] ?? 0) + valueOf(p);
    }
    return { label: key, values, color: colorOf(key, i) };
  });
}
const palette = (_k: string, i: number) => PALETTE[i % PALETTE.length];
const unique = (xs: string[]) => [...new Set(xs)].sort();

export default function Analytics() {
  const [, navigate] = useLocation();
  const params = new URLSearchParams(useSearch());
  const preset = params.get('range') ?? '24h';
  const bucket = params.get('bucket') ?? '';
  const groupBy = params.get('groupBy') === 'model' ? 'model' : 'provider';
  const client = useQueryClient();

  const set = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    navigate(`/analytics${next.size ? `?${next}` : ''}`, { replace: true });
  };
  // The range as it is in the URL: a preset's window moves on with every refetch.
  const rangeKey = preset === 'custom' ? `${params.get('from')}..${params.get('to')}` : preset;
  const qs = (extra: Record<string, string> = {}) => {
    const q = new URLSearchParams({ ...rangeOf(params), ...(bucket ? { bucket } : {}), ...extra });
    return q.toString();
  };
  const opts = { placeholderData: keepPreviousData, retry: false } as const;
  const usage = useQuery({
    queryKey: ['analytics', 'usage', rangeKey, bucket, groupBy],
    queryFn: () => api<UsageSeries>(`/analytics/usage/series?${qs({ groupBy })}`),
    ...opts,
  });
  const runs = useQuery({
    queryKey: ['analytics', 'runs', rangeKey, bucket],
    queryFn: () => api<WorkflowSeries>(`/analytics/workflows/series?${qs()}`),
    ...opts,
  });
  const sessions = useQuery({
    queryKey: ['analytics', 'sessions', rangeKey, bucket],
    queryFn: () => api<SessionSeries>(`/analytics/sessions?${qs()}`),
    ...opts,
  });
  const errors = useQuery({
    queryKey: ['analytics', 'errors', rangeKey, bucket],
    queryFn: () => api<ErrorSeries>(`/analytics/errors?${qs({ recent: '10' })}`),
    ...opts,
  });
  const perf = useQuery({
    queryKey: ['analytics', 'perf', rangeKey],
    queryFn: () => {
      const { from, to } = rangeOf(params);
      return api<PerfTargets>(`/analytics/perf?${new URLSearchParams({ from, to })}`);
    },
    ...opts,
  });

  // What each event changes: a perfMonitor run → perf (and its run); a model call (a session's turn
  // or a run's step) → usage, errors, sessions and runs; anything else → everything.
  useLive('analytics', (e) => {
    // Aggregates just read when the view opened: the moment before the subscription is not worth
    // reading every chart again for.
    if (e.type === 'live.subscribed') return;
    const refresh = (...kinds: string[]) => {
      for (const k of kinds) void client.invalidateQueries({ queryKey: ['analytics', k] });
    };
    if (e.type === 'perf') refresh('perf', 'runs');
    else if (e.type === 'usage' || e.type === 'eval') refresh('usage', 'errors', 'sessions', 'runs');
    else refresh('usage', 'runs', 'sessions', 'errors', 'perf');
  });
  // A run starting or ending anywhere: the runs charts and the failed runs.
  useLive('workflows', (e) => {
    if (e.type === 'live.subscribed') return;
    for (const k of ['runs', 'errors']) void client.invalidateQueries({ queryKey: ['analytics', k] });
  });

  const shown = usage.data ?? runs.data ?? sessions.data;
  return (
    <>
      <h1>Analytics</h1>
      <RangePicker
        preset={preset}
        bucket={bucket}
        from={params.get('from') ?? ''}
        to={params.get('to') ?? ''}
        onChange={set}
      />
      {shown ? (
        <p className="muted" aria-live="polite">
          {when(shown.from)} – {when(shown.to)}, in buckets of {BUCKET_TEXT[shown.bucket]} ({shown.buckets.length}{' '}
          points).
        </p>
      ) : null}
      <UsageSection data={usage.data} error={usage.error} groupBy={groupBy} onGroupBy={(g) => set({ groupBy: g })} />
      <RunsSection data={runs.data} error={runs.error} />
      <SessionsSection data={sessions.data} error={sessions.error} />
      <ErrorsSection data={errors.data} error={errors.error} />
      <PerfSection data={perf.data} error={perf.error} />
    </>
  );
}

/** `datetime-local` value (local time, minutes) of an ISO time, and back. */
const toLocalInput = (iso: string) => {
  if (!iso) return '';
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
};
const fromLocalInput = (v: string) => (v ? new Date(v).toISOString() : '');

function RangePicker({
  preset,
  bucket,
  from,
  to,
  onChange,
}: {
  preset: string;
  bucket: string;
  from: string;
  to: string;
  onChange: (c: Record<string, string>) => void;
}) {
  const [f, setF] = useState(toLocalInput(from));
  const [t, setT] = useState(toLocalInput(to));
  const [problem, setProblem] = useState<string | undefined>();
  const apply = (e: FormEvent) => {
    e.preventDefault();
    if (!f || !t) return setProblem('Fill in both From and To.');
    if (new Date(f) >= new Date(t)) return setProblem('From must be before To: choose an earlier From or a later To.');
    setProblem(undefined);
    onChange({ range: 'custom', from: fromLocalInput(f), to: fromLocalInput(t) });
  };
  return (
    <form className="card filters range" onSubmit={apply} aria-label="Time range">
      <fieldset className="presets">
        <legend>Time range</legend>
        {PRESETS.map((p) => (
          <button
            key={p.id}
            type="button"
            aria-pressed={preset === p.id}
            onClick={() => onChange({ range: p.id, from: '', to: '' })}
          >
            {p.label}
          </button>
        ))}
      </fieldset>
      <label>
        From
        <input type="datetime-local" value={f} onChange={(e) => setF(e.target.value)} />
      </label>
      <label>
        To
        <input type="datetime-local" value={t} onChange={(e) => setT(e.target.value)} />
      </label>
      <button type="submit" aria-pressed={preset === 'custom'}>
        Show this range
      </button>
      <label>
        Bucket
        <select value={bucket} onChange={(e) => onChange({ bucket: e.target.value })}>
          {BUCKETS.map(([b, text]) => (
            <option key={b} value={b}>
              {text}
            </option>
          ))}
        </select>
      </label>
      {problem ? (
        <p className="error" role="alert">
          {problem}
        </p>
      ) : null}
    </form>
  );
}

function Section({
  id,
  title,
  error,
  loading,
  children,
}: {
  id: string;
  title: string;
  error: unknown;
  loading: boolean;
  children?: React.ReactNode;
}) {
  return (
    <section className="card" aria-labelledby={`${id}-title`} data-testid={`section-${id}`}>
      <h2 id={`${id}-title`}>{title}</h2>
      {error ? <ErrorBox error={error} /> : null}
      {loading && !error ? <p className="muted">Loading…</p> : null}
      {children}
    </section>
  );
}

const tokens = (v: number) => count(Math.round(v));
const pct = (v: number) => `${(v * 100).toFixed(v > 0 && v < 0.01 ? 2 : 1)}%`;

function UsageSection({
  data,
  error,
  groupBy,
  onGroupBy,
}: {
  data: UsageSeries | undefined;
  error: unknown;
  groupBy: 'provider' | 'model';
  onGroupBy: (g: string) => void;
}) {
  const keys = data ? data.keys.map((k) => k.key) : [];
  const x = data ? data.buckets.map(secs) : [];
  const by = groupBy === 'model' ? 'model' : 'provider';
  const tokensData: Dataset | undefined = data && {
    stacked: true,
    title: `Tokens by ${by}`,
    xLabel: 'Bucket start',
    x,
    series: pivot(
      data.buckets,
      data.points,
      (p) => p.key,
      (p) => p.inputTokens + p.outputTokens,
      keys,
      palette,
    ),
    format: tokens,
  };
  const costData: Dataset | undefined = data && {
    stacked: true,
    title: `Cost by ${by} (USD)`,
    xLabel: 'Bucket start',
    x,
    series: pivot(
      data.buckets,
      data.points,
      (p) => p.key,
      (p) => p.costUsd,
      keys,
      palette,
    ),
    format: (v) => (v === 0 ? '$0' : `$${v < 0.01 ? v.toFixed(4) : v.toFixed(2)}`),
  };
  return (
    <Section id="usage" title="Tokens and cost" error={error} loading={!data}>
      <label className="inline">
        Series by{' '}
        <select value={groupBy} onChange={(e) => onGroupBy(e.target.value === 'model' ? 'model' : '')}>
          <option value="provider">provider</option>
          <option value="model">model</option>
        </select>
      </label>
      {data ? (
        <>
          <dl className="totals" aria-label="Totals in this range">
            <div>
              <dt>Tokens</dt>
              <dd>{count(data.totals.inputTokens + data.totals.outputTokens)}</dd>
            </div>
            <div>
              <dt>In / out</dt>
              <dd>
                {count(data.totals.inputTokens)} / {count(data.totals.outputTokens)}
              </dd>
            </div>
            <div>
              <dt>Cost</dt>
              <dd>{money(data.totals.costUsd)}</dd>
            </div>
            <div>
              <dt>Calls</dt>
              <dd>
                {count(data.totals.calls)}
                {data.totals.failures ? `, ${count(data.totals.failures)} failed` : ''}
              </dd>
            </div>
          </dl>
          <div className="charts">
            <Chart data={tokensData!} empty="No model calls in this range." />
            <Chart data={costData!} empty="No model calls in this range." />
          </div>
          {data.keys.length ? (
            <div className="scroll">
              <table data-testid="usage-keys">
                <caption>Totals by {by}</caption>
                <thead>
                  <tr>
                    <th scope="col">{by === 'model' ? 'Provider/model' : 'Provider'}</th>
                    <th scope="col" className="num">
                      Calls
                    </th>
                    <th scope="col" className="num">
                      Failed
                    </th>
                    <th scope="col" className="num">
                      Input tokens
                    </th>
                    <th scope="col" className="num">
                      Output tokens
                    </th>
                    <th scope="col" className="num">
                      Cost
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.keys.map((k) => (
                    <tr key={k.key}>
                      <th scope="row" className="mono">
                        {k.key}
                      </th>
                      <td className="num">{count(k.calls)}</td>
                      <td className="num">{count(k.failures)}</td>
                      <td className="num">{count(k.inputTokens)}</td>
                      <td className="num">{count(k.outputTokens)}</td>
                      <td className="num">{money(k.costUsd)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
        </>
      ) : null}
    </Section>
  );
}

function RunsSection({ data, error }: { data: WorkflowSeries | undefined; error: unknown }) {
  const outcomes = data ? unique(['completed', 'failed', ...data.points.map((p) => p.outcome)]) : [];
  const types = data ? unique(data.durations.map((d) => d.type)) : [];
  const x = data ? data.buckets.map(secs) : [];
  const byOutcome: Dataset | undefined = data && {
    stacked: true,
    integer: true,
    title: 'Workflow runs by outcome',
    xLabel: 'Bucket start',
    x,
    series: pivot(
      data.buckets,
      data.points,
      (p) => p.outcome,
      (p) => p.runs,
      outcomes,
      (k, i) => OUTCOME_COLORS[k] ?? palette(k, i),
    ),
    format: (v) => count(Math.round(v)),
  };
  const durations: Dataset | undefined = data && {
    title: 'Run duration p50 / p95 by type',
    xLabel: 'Bucket start',
    x,
    series: types.flatMap((t, i) => [
      {
        ...pivot(
          data.buckets,
          data.durations,
          (p) => p.type,
          (p) => p.p50Ms,
          [t],
          palette,
          null,
        )[0],
        label: `${t} p50`,
        color: PALETTE[i % PALETTE.length],
      },
      {
        ...pivot(
          data.buckets,
          data.durations,
          (p) => p.type,
          (p) => p.p95Ms,
          [t],
          palette,
          null,
        )[0],
        label: `${t} p95`,
        color: PALETTE[i % PALETTE.length],
        dash: true,
      },
    ]),
    format: duration,
  };
  return (
    <Section id="runs" title="Workflow runs" error={error} loading={!data}>
      {data ? (
        <>
          <p>
            {plural(data.runs, 'run', 'runs')} started in this range
            {data.truncated ? ' (the newest only: narrow the range to see all)' : ''}; {count(data.runningNow)} running
            now.
          </p>
          <div className="charts">
            <Chart data={byOutcome!} empty="No runs started in this range." />
            <Chart data={durations!} empty="No run finished in this range." />
          </div>
          {data.types.length ? (
            <div className="scroll">
              <table data-testid="run-types">
                <caption>Runs by type</caption>
                <thead>
                  <tr>
                    <th scope="col">Type</th>
                    <th scope="col" className="num">
                      Runs
                    </th>
                    <th scope="col" className="num">
                      Completed
                    </th>
                    <th scope="col" className="num">
                      Failed
                    </th>
                    <th scope="col" className="num">
                      Running
                    </th>
                    <th scope="col" className="num">
                      p50
                    </th>
                    <th scope="col" className="num">
                      p95
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.types.map((t) => (
                    <tr key={t.type}>
                      <th scope="row">{t.type}</th>
                      <td className="num">{count(t.runs)}</td>
                      <td className="num">{count(t.completed)}</td>
                      <td className="num">{count(t.failed)}</td>
                      <td className="num">{count(t.running)}</td>
                      <td className="num">{t.p50Ms === null ? '—' : duration(t.p50Ms)}</td>
                      <td className="num">{t.p95Ms === null ? '—' : duration(t.p95Ms)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
        </>
      ) : null}
    </Section>
  );
}

function SessionsSection({ data, error }: { data: SessionSeries | undefined; error: unknown }) {
  const statuses = data ? unique(data.points.map((p) => p.status)) : [];
  const byStatus: Dataset | undefined = data && {
    stacked: true,
    integer: true,
    title: 'Sessions started by status',
    xLabel: 'Bucket start',
    x: data.buckets.map(secs),
    series: pivot(
      data.buckets,
      data.points,
      (p) => p.status,
      (p) => p.sessions,
      statuses,
      (k, i) => OUTCOME_COLORS[k] ?? palette(k, i),
    ),
    format: (v) => count(Math.round(v)),
  };
  const durations: Dataset | undefined = data && {
    title: 'Session duration p50 / p95 by status',
    xLabel: 'Bucket start',
    x: data.buckets.map(secs),
    series: statuses.flatMap((st, i) => {
      const color = OUTCOME_COLORS[st] ?? PALETTE[i % PALETTE.length];
      const of = (pick: (p: SessionSeries['points'][number]) => number | null, label: string, dash: boolean) => ({
        ...pivot(
          data.buckets,
          data.points,
          (p) => p.status,
          (p) => pick(p) ?? 0,
          [st],
          palette,
          null,
        )[0],
        label: `${st.replace('_', ' ')} ${label}`,
        color,
        dash,
      });
      return [of((p) => p.p50Ms, 'p50', false), of((p) => p.p95Ms, 'p95', true)];
    }),
    format: duration,
  };
  return (
    <Section id="sessions" title="Sessions" error={error} loading={!data}>
      {data ? (
        <>
          <div className="charts">
            <Chart data={byStatus!} empty="No sessions started in this range." />
            <Chart data={durations!} empty="No sessions started in this range." />
          </div>
          {data.statuses.length ? (
            <div className="scroll">
              <table data-testid="session-statuses">
                <caption>Session durations by status (to the end, or the last activity while open)</caption>
                <thead>
                  <tr>
                    <th scope="col">Status</th>
                    <th scope="col" className="num">
                      Sessions
                    </th>
                    <th scope="col" className="num">
                      p50
                    </th>
                    <th scope="col" className="num">
                      p95
                    </th>
                    <th scope="col" className="num">
                      Longest
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.statuses.map((s) => (
                    <tr key={s.status}>
                      <th scope="row">{s.status.replace('_', ' ')}</th>
                      <td className="num">{count(s.sessions)}</td>
                      <td className="num">{s.p50Ms === null ? '—' : duration(s.p50Ms)}</td>
                      <td className="num">{s.p95Ms === null ? '—' : duration(s.p95Ms)}</td>
                      <td className="num">{s.maxMs === null ? '—' : duration(s.maxMs)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
        </>
      ) : null}
    </Section>
  );
}

function ErrorsSection({ data, error }: { data: ErrorSeries | undefined; error: unknown }) {
  const callKey = (p: { provider: string; errorType: string }) => `${p.provider} · ${p.errorType}`;
  const callKeys = data ? unique(data.calls.points.map(callKey)) : [];
  const runKeys = data ? unique(data.runs.points.map((p) => p.failureType)) : [];
  const x = data ? data.buckets.map(secs) : [];
  const calls: Dataset | undefined = data && {
    stacked: true,
    integer: true,
    title: 'Failed model calls by provider and error type',
    xLabel: 'Bucket start',
    x,
    series: pivot(data.buckets, data.calls.points, callKey, (p) => p.failures, callKeys, palette),
    format: (v) => count(Math.round(v)),
  };
  const runs: Dataset | undefined = data && {
    stacked: true,
    integer: true,
    title: 'Failed runs by failure type',
    xLabel: 'Bucket start',
    x,
    series: pivot(
      data.buckets,
      data.runs.points,
      (p) => p.failureType,
      (p) => p.runs,
      runKeys,
      palette,
    ),
    format: (v) => count(Math.round(v)),
  };
  return (
    <Section id="errors" title="Errors" error={error} loading={!data}>
      {data ? (
        <>
          <p>
            {plural(data.calls.failures, 'failed model call', 'failed model calls')} of {count(data.calls.total)} (
            {pct(data.calls.failures / (data.calls.total || 1))});{' '}
            {plural(data.runs.failed, 'failed run', 'failed runs')} of {count(data.runs.closed)} finished (
            {pct(data.runs.failed / (data.runs.closed || 1))}).
            {data.runs.failed > data.runs.inspected
              ? ` Failure types are read for the newest ${data.runs.inspected}; older ones count as "failed".`
              : ''}
          </p>
          <div className="charts">
            <Chart data={calls!} empty="No model call failed in this range." />
            <Chart data={runs!} empty="No run failed in this range." />
          </div>
          {data.calls.types.length || data.runs.types.length ? (
            <div className="scroll">
              <table data-testid="error-types">
                <caption>Error rates by type</caption>
                <thead>
                  <tr>
                    <th scope="col">What failed</th>
                    <th scope="col">Type</th>
                    <th scope="col" className="num">
                      Failures
                    </th>
                    <th scope="col" className="num">
                      Rate
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.calls.types.map((t) => (
                    <tr key={`c:${t.provider}:${t.errorType}`}>
                      <th scope="row">{t.provider} calls</th>
                      <td className="mono">{t.errorType}</td>
                      <td className="num">{count(t.failures)}</td>
                      <td className="num">
                        {pct(t.rate)} <span className="muted">of {count(t.calls)}</span>
                      </td>
                    </tr>
                  ))}
                  {data.runs.types.map((t) => (
                    <tr key={`r:${t.failureType}`}>
                      <th scope="row">Runs</th>
                      <td className="mono">{t.failureType}</td>
                      <td className="num">{count(t.runs)}</td>
                      <td className="num">
                        {pct(t.rate)} <span className="muted">of {count(data.runs.closed)}</span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
          <RecentErrors errors={data.recent} />
        </>
      ) : null}
    </Section>
  );
}

function PerfSection({ data, error }: { data: PerfTargets | undefined; error: unknown }) {
  return (
    <Section id="perf" title="Performance monitor" error={error} loading={!data}>
      {data && data.targets.length === 0 ? (
        <p className="muted">
          No perfMonitor runs yet: start one under Workflows (type perfMonitor) to see its targets here.
        </p>
      ) : null}
      <div className="charts">
        {data?.targets.map((t) => {
          const base = t.baseline;
          const d: Dataset = {
            title: `${t.name}: latency against its baseline`,
            xLabel: 'Run at',
            x: t.runs.map((r) => secs(r.at)),
            notes: { label: 'Run', values: t.runs.map((r) => `${r.workflowId}${r.regressed ? ' (regressed)' : ''}`) },
            series: [
              { label: 'p50', values: t.runs.map((r) => r.p50Ms), color: PALETTE[0] },
              { label: 'p95', values: t.runs.map((r) => r.p95Ms), color: PALETTE[1] },
              { label: 'baseline p50', values: t.runs.map(() => base?.p50Ms ?? null), color: PALETTE[0], dash: true },
              { label: 'baseline p95', values: t.runs.map(() => base?.p95Ms ?? null), color: PALETTE[1], dash: true },
              {
                label: 'regressed (p95)',
                values: t.runs.map((r) => (r.regressed ? r.p95Ms : null)),
                color: 'var(--danger)',
                markers: true,
              },
            ],
            format: duration,
          };
          return (
            <div key={t.name} data-testid="perf-target">
              <p>
                <strong>{t.name}</strong>:{' '}
                {t.regressions ? (
                  <span className="regressed">{plural(t.regressions, 'regression', 'regressions')}</span>
                ) : (
                  'no regression'
                )}{' '}
                in {plural(t.runs.length, 'run', 'runs')}.{' '}
                {base ? (
                  <span className="muted">
                    Baseline p50 {base.p50Ms === null ? '—' : duration(base.p50Ms)}, p95{' '}
                    {base.p95Ms === null ? '—' : duration(base.p95Ms)} (set {when(base.at)}).
                  </span>
                ) : (
                  <span className="muted">No baseline yet.</span>
                )}
              </p>
              <Chart data={d} empty="No runs of this target in this range." />
            </div>
          );
        })}
      </div>
    </Section>
  );
}
