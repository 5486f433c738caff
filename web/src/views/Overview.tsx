// Overview: the health of each part (/readyz, with the fix it names), active sessions, running and
// failed workflow runs, today's tokens and cost, the recent errors, and the most recent runs.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'wouter';
import { api, count, isCheck, money, when, type Readiness, type RunSummary, type SessionRow, type Usage } from '../api';
import { useLive } from '../live';
import { ErrorBox, StatusBadge } from '../ui';
import { RecentErrors, type ErrorSeries, type WorkflowSeries } from './analytics-shared';
import { runPath } from './workflow-api';

const PARTS: Record<string, string> = {
  postgres: 'PostgreSQL',
  migrations: 'Migrations',
  temporal: 'Temporal',
  worker: 'Worker',
};

function startOfToday(): string {
  const d = new Date();
  d.setHours(0, 0, 0, 0);
  return d.toISOString();
}

export function Overview() {
  const client = useQueryClient();
  // Usage, runs and evaluations announce themselves on `analytics`: refresh what they change.
  useLive('analytics', () => {
    void client.invalidateQueries({ queryKey: ['usage'] });
    void client.invalidateQueries({ queryKey: ['runs'] });
  });
  // Runs starting and ending anywhere (`workflows`): the counts, the recent runs and errors.
  useLive('workflows', () => void client.invalidateQueries({ queryKey: ['runs'] }));
  const ready = useQuery({ queryKey: ['readyz'], queryFn: () => api<Readiness>('/readyz'), refetchInterval: 15_000 });
  const active = useQuery({
    queryKey: ['sessions', { status: 'active', limit: 1 }],
    queryFn: () => api<{ total: number; sessions: SessionRow[] }>('/sessions?status=active&limit=1'),
  });
  const usage = useQuery({
    queryKey: ['usage', 'today'],
    queryFn: () => api<Usage>(`/analytics/usage?from=${encodeURIComponent(startOfToday())}`),
  });
  // Under ['runs', …]: the analytics events above refresh them.
  const today = useQuery({
    queryKey: ['runs', 'today'],
    queryFn: () => api<WorkflowSeries>(`/analytics/workflows/series?from=${encodeURIComponent(startOfToday())}`),
  });
  const errors = useQuery({
    queryKey: ['runs', 'errors-today'],
    queryFn: () => api<ErrorSeries>(`/analytics/errors?from=${encodeURIComponent(startOfToday())}&recent=8`),
  });
  const failedToday = today.data
    ? today.data.totals.failed + today.data.totals.timed_out + today.data.totals.terminated
    : undefined;
  const runs = useQuery({
    queryKey: ['runs', 'recent'],
    queryFn: () => api<{ runs: RunSummary[] }>('/workflows?limit=8'),
  });
  return (
    <>
      <h1>Overview</h1>
      <section aria-labelledby="health-title" className="card">
        <h2 id="health-title">
          Health {ready.data ? <StatusBadge status={ready.data.status === 'ready' ? 'ready' : 'not_ready'} /> : null}
        </h2>
        {ready.error ? <ErrorBox error={ready.error} /> : null}
        {ready.data ? (
          <ul className="health">
            {Object.entries(ready.data)
              .flatMap(([part, c]) => (isCheck(c) ? [[part, c] as const] : []))
              .map(([part, c]) => (
                <li key={part} className={c.ok ? 'ok' : 'bad'}>
                  <span className="part">{PARTS[part] ?? part}</span>
                  <span className="state">{c.ok ? 'OK' : 'Failing'}</span>
                  <span className="detail">{c.detail}</span>
                </li>
              ))}
          </ul>
        ) : null}
        {ready.data?.workers?.length ? (
          <details className="workers" data-testid="workers">
            <summary className="muted">
              {ready.data.workers.length} worker{ready.data.workers.length === 1 ? '' : 's'} on the task queue
              {ready.data.api ? ` (answered by API copy ${ready.data.api.identity})` : ''}
            </summary>
            <ul>
              {ready.data.workers.map((w) => (
                <li key={w.identity}>
                  <span className="mono">{w.identity}</span>{' '}
                  <span className="muted">
                    {w.buildId ? <span className="mono">{w.buildId}</span> : 'no build id'} · polls{' '}
                    {w.polls.join(' and ')} tasks{w.lastSeen ? ` · seen ${when(w.lastSeen)}` : ''}
                  </span>
                </li>
              ))}
            </ul>
          </details>
        ) : null}
      </section>
      <div className="tiles">
        <section className="card tile" aria-labelledby="active-title">
          <h2 id="active-title">Active sessions</h2>
          {active.error ? (
            <ErrorBox error={active.error} />
          ) : (
            <p className="big">{active.data ? count(active.data.total) : '…'}</p>
          )}
          <Link href="/sessions?status=active">See them</Link>
        </section>
        <section className="card tile" aria-labelledby="running-title">
          <h2 id="running-title">Runs running</h2>
          {today.error ? (
            <ErrorBox error={today.error} />
          ) : (
            <p className="big">{today.data ? count(today.data.runningNow) : '…'}</p>
          )}
          <p className="muted">workflow runs now</p>
        </section>
        <section className="card tile" aria-labelledby="failed-title">
          <h2 id="failed-title">Failed runs today</h2>
          {today.error ? (
            <ErrorBox error={today.error} />
          ) : (
            <p className={`big${failedToday ? ' bad' : ''}`}>{failedToday === undefined ? '…' : count(failedToday)}</p>
          )}
          {today.data ? (
            <p className="muted">
              of {count(today.data.runs)} started today · <Link href="/analytics">Analytics</Link>
            </p>
          ) : null}
        </section>
        <section className="card tile" aria-labelledby="tokens-title">
          <h2 id="tokens-title">Tokens today</h2>
          {usage.error ? (
            <ErrorBox error={usage.error} />
          ) : (
            <p className="big">
              {usage.data ? count(usage.data.totals.inputTokens + usage.data.totals.outputTokens) : '…'}
            </p>
          )}
          {usage.data ? (
            <p className="muted">
              {count(usage.data.totals.inputTokens)} in · {count(usage.data.totals.outputTokens)} out ·{' '}
              {count(usage.data.totals.calls)} calls
              {usage.data.totals.failures ? `, ${usage.data.totals.failures} failed` : ''}
            </p>
          ) : null}
        </section>
        <section className="card tile" aria-labelledby="cost-title">
          <h2 id="cost-title">Cost today</h2>
          {usage.data ? <p className="big">{money(usage.data.totals.costUsd ?? 0)}</p> : <p className="big">…</p>}
        </section>
      </div>
      <section className="card" aria-labelledby="errors-title">
        <h2 id="errors-title">Recent errors</h2>
        {errors.error ? <ErrorBox error={errors.error} /> : null}
        {errors.data ? <RecentErrors errors={errors.data.recent} title="Failed runs and model calls today" /> : null}
      </section>
      <section className="card" aria-labelledby="runs-title">
        <h2 id="runs-title">Recent runs</h2>
        {runs.error ? <ErrorBox error={runs.error} /> : null}
        {runs.data && runs.data.runs.length === 0 ? <p className="muted">No workflow runs yet.</p> : null}
        {runs.data && runs.data.runs.length > 0 ? (
          <div className="scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Run</th>
                  <th scope="col">Type</th>
                  <th scope="col">Status</th>
                  <th scope="col">Started</th>
                </tr>
              </thead>
              <tbody>
                {runs.data.runs.map((r) => (
                  <tr key={r.workflowId}>
                    <td className="mono">
                      <Link href={runPath(r.workflowId)}>{r.workflowId}</Link>
                      {r.sessionId ? (
                        <>
                          {' '}
                          · <Link href={`/sessions/${r.sessionId}`}>its session</Link>
                        </>
                      ) : null}
                    </td>
                    <td>{r.type}</td>
                    <td>
                      <StatusBadge status={r.status} />
                    </td>
                    <td>{when(r.startTime)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
    </>
  );
}
