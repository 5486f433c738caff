// What the analytics routes answer (types), duration and age formats, and the list of recent
// errors — shared by the Analytics view and the Overview without pulling the chart library in.
import { Link } from 'wouter';
import { when } from '../api';
import './analytics.css';

interface Range {
  from: string;
  to: string;
  bucket: string;
  bucketSeconds: number;
  buckets: string[];
}
interface UsageFigures {
  calls: number;
  failures: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}
export interface UsageSeries extends Range {
  groupBy: 'provider' | 'model';
  points: ({ bucket: string; key: string } & UsageFigures)[];
  keys: ({ key: string } & UsageFigures)[];
  totals: UsageFigures;
}
export interface WorkflowSeries extends Range {
  runs: number;
  truncated: boolean;
  runningNow: number;
  totals: Record<string, number>;
  points: { bucket: string; outcome: string; runs: number }[];
  durations: { bucket: string; type: string; runs: number; p50Ms: number; p95Ms: number }[];
  types: {
    type: string;
    runs: number;
    running: number;
    completed: number;
    failed: number;
    cancelled: number;
    p50Ms: number | null;
    p95Ms: number | null;
  }[];
}
interface SessionFigures {
  sessions: number;
  p50Ms: number | null;
  p95Ms: number | null;
  maxMs: number | null;
}
export interface SessionSeries extends Range {
  points: ({ bucket: string; status: string } & SessionFigures)[];
  statuses: ({ status: string } & SessionFigures)[];
  totals: SessionFigures;
}
export interface RecentError {
  kind: 'run' | 'call';
  at: string;
  type: string;
  message: string;
  workflowId?: string;
  workflowType?: string;
  sessionId?: string;
  provider?: string;
  model?: string;
}
export interface ErrorSeries extends Range {
  calls: {
    points: { bucket: string; provider: string; errorType: string; failures: number }[];
    types: { provider: string; errorType: string; failures: number; calls: number; rate: number }[];
    total: number;
    failures: number;
  };
  runs: {
    points: { bucket: string; failureType: string; runs: number }[];
    types: { failureType: string; runs: number; rate: number }[];
    total: number;
    closed: number;
    failed: number;
    inspected: number;
    truncated: boolean;
  };
  recent: RecentError[];
}
export interface PerfTargets {
  from: string;
  to: string;
  targets: {
    name: string;
    baseline: {
      workflowId: string | null;
      at: string;
      p50Ms: number | null;
      p95Ms: number | null;
      errorRate: number;
    } | null;
    runs: {
      workflowId: string;
      at: string;
      p50Ms: number | null;
      p95Ms: number | null;
      p99Ms: number | null;
      errorRate: number;
      regressed: boolean;
    }[];
    regressions: number;
  }[];
}

/** A duration in ms as people read it: 850 ms, 1.2 s, 3.5 min, 2.0 h. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** How long ago: "12 s ago", "5 min ago", "3 h ago", else the date. */
export function ago(iso: string): string {
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (s < 60) return `${Math.round(s)} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return when(iso);
}

export function RecentErrors({ errors, title = 'Recent errors' }: { errors: ErrorSeries['recent']; title?: string }) {
  if (errors.length === 0) return <p className="muted">No errors in this range.</p>;
  return (
    <>
      <h3>{title}</h3>
      <ul className="recent-errors" data-testid="recent-errors">
        {errors.map((e, i) => (
          <li key={`${e.kind}:${e.at}:${i}`}>
            <span className={`badge ${e.kind === 'run' ? 's-failed' : 's-timed_out'}`}>
              {e.kind === 'run' ? 'run' : 'model call'}
            </span>{' '}
            <span className="mono">{e.type}</span>{' '}
            {e.kind === 'run' && e.workflowId ? (
              <Link href={`/workflows/runs/${encodeURIComponent(e.workflowId)}`}>
                {e.workflowType ?? 'run'} {e.workflowId}
              </Link>
            ) : e.sessionId ? (
              <Link href={`/sessions/${e.sessionId}`}>session {e.sessionId.slice(0, 8)}</Link>
            ) : e.workflowId ? (
              <Link href={`/workflows/runs/${encodeURIComponent(e.workflowId)}`}>run {e.workflowId}</Link>
            ) : null}
            {e.kind === 'call' ? (
              <span className="muted">
                {' '}
                {e.provider}/{e.model}
              </span>
            ) : null}
            {e.kind === 'run' && e.sessionId ? (
              <>
                {' '}
                (<Link href={`/sessions/${e.sessionId}`}>its session</Link>)
              </>
            ) : null}{' '}
            <time dateTime={e.at} title={when(e.at)} className="muted">
              {ago(e.at)}
            </time>
            <p className="msg-text">{e.message}</p>
          </li>
        ))}
      </ul>
    </>
  );
}
