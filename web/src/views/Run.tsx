// One workflow run: status, input, its steps as a live timeline (`workflow:<id>`), the result or the
// failure, findings of reviews and audits as a sortable, filterable table, reports to download,
// pending approvals answered with a comment, cancel / terminate, and run again (same or edited input).
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Suspense, lazy, useMemo, useState } from 'react';
import { Link, useLocation } from 'wouter';
import { BASE, ApiError, api, count, when } from '../api';
import { Confirm, ErrorBox, StatusBadge, useCan } from '../ui';
import { useTypes } from './Workflows';
import {
  apiRunPath,
  duration,
  runPath,
  setDraft,
  temporalLink,
  type Finding,
  type PendingApproval,
  type Progress,
  type ReportKind,
  type RunDetail,
  type Step,
} from './workflow-api';
import { useRun } from './use-run';
import './workflows.css';

const ApprovalText = lazy(() => import('./ApprovalText'));

const REPORT_LABELS: Record<ReportKind, string> = {
  markdown: 'Markdown',
  sarif: 'SARIF',
  json: 'JSON',
  junit: 'JUnit XML',
};

export function RunView({ id }: { id: string }) {
  const { run, refresh } = useRun(id);
  const types = useTypes();

  if (run.error)
    return (
      <ErrorBox
        error={run.error}
        action={
          <p>
            <Link href="/workflows">Back to the workflows</Link>
          </p>
        }
      />
    );
  if (!run.data) return <p className="muted">Loading the run…</p>;
  const r = run.data;
  const ui = temporalLink(types.data?.temporalUi, r.workflowId, r.runId);
  const result = (r.result && typeof r.result === 'object' ? r.result : {}) as Record<string, unknown>;
  const findings = Array.isArray(result.findings) ? (result.findings as Finding[]) : undefined;
  const summary = [result.summary, result.title].find((v): v is string => typeof v === 'string');
  // A custom run's definition: its graph in the designer, with this run's statuses on it.
  const definition = r.type === 'custom' ? (r.input as { name?: unknown } | undefined)?.name : undefined;
  return (
    <>
      <div className="head">
        <div className="wf-title">
          <p className="crumbs">
            <Link href="/workflows">Workflows</Link> /
          </p>
          <h1 className="mono wf-id">{r.workflowId}</h1>
          <p className="muted">
            <StatusBadge status={r.status} /> {r.type} · started {when(r.startTime)} ·{' '}
            {r.durationMs !== undefined
              ? `took ${duration(r.durationMs)}`
              : `running for ${duration(Date.now() - Date.parse(r.startTime))}`}
            {r.sessionId ? (
              <>
                {' '}
                · session <Link href={`/sessions/${r.sessionId}`}>{r.sessionId.slice(0, 8)}</Link>
              </>
            ) : null}
            {r.parentWorkflowId && !r.sessionId ? (
              <>
                {' '}
                · child of <Link href={runPath(r.parentWorkflowId)}>{r.parentWorkflowId}</Link>
              </>
            ) : null}
            {typeof definition === 'string' ? (
              <>
                {' '}
                ·{' '}
                <Link href={`/designer/${encodeURIComponent(definition)}?run=${encodeURIComponent(r.workflowId)}`}>
                  On the graph of {definition}
                </Link>
              </>
            ) : null}
            {ui ? (
              <>
                {' '}
                ·{' '}
                <a href={ui} target="_blank" rel="noreferrer">
                  Open in the Temporal Web UI
                </a>
              </>
            ) : null}
          </p>
        </div>
        <Controls run={r} onDone={refresh} />
      </div>
      {r.failure ? (
        <div className="error" role="alert">
          <strong>
            The run {r.status === 'failed' ? 'failed' : `was ${r.status.replace('_', ' ')}`}
            {r.failure.type ? ` (${r.failure.type})` : ''}
          </strong>
          <p className="text">{r.failure.message}</p>
        </div>
      ) : null}
      {r.status === 'running' && r.progress?.pendingApprovals.length ? (
        <Approvals id={r.workflowId} pending={r.progress.pendingApprovals} onDone={refresh} />
      ) : null}
      <div className="split wf-split">
        <section className="card" aria-labelledby="steps-title">
          <h2 id="steps-title">Steps</h2>
          <Steps progress={r.progress} />
        </section>
        <section className="card" aria-labelledby="input-title">
          <h2 id="input-title">Input</h2>
          {r.input === undefined ? (
            <p className="muted">No input.</p>
          ) : (
            <pre tabIndex={0} role="region" aria-label="Input (JSON)">
              {JSON.stringify(r.input, null, 2)}
            </pre>
          )}
          {r.reports ? <Reports id={r.workflowId} reports={r.reports} /> : null}
        </section>
      </div>
      {findings ? <Findings findings={findings} total={result.totalFindings} /> : null}
      {r.result !== undefined ? (
        <section className="card" aria-labelledby="result-title">
          <h2 id="result-title">Result</h2>
          {summary ? <p className="text">{summary}</p> : null}
          <details>
            <summary>The whole result (JSON)</summary>
            <pre tabIndex={0} role="region" aria-label="Result (JSON)">
              {JSON.stringify(r.result, null, 2)}
            </pre>
          </details>
        </section>
      ) : null}
    </>
  );
}

function Controls({ run, onDone }: { run: RunDetail; onDone: () => void }) {
  const [, navigate] = useLocation();
  const client = useQueryClient();
  const canOperate = useCan('operator');
  const canAdmin = useCan('admin');
  const [terminating, setTerminating] = useState(false);
  const [reason, setReason] = useState('');
  const path = apiRunPath(run.workflowId);
  const cancel = useMutation({ mutationFn: () => api(`${path}/cancel`, { method: 'POST' }), onSuccess: onDone });
  const terminate = useMutation({
    mutationFn: () => api(`${path}/terminate`, { method: 'POST', body: reason ? { reason } : {} }),
    onSuccess: onDone,
  });
  const again = useMutation({
    mutationFn: () =>
      api<{ workflowId: string }>('/workflows', {
        method: 'POST',
        body: {
          type: run.type,
          ...(run.input !== undefined ? { input: run.input } : {}),
          ...(run.sessionId ? { sessionId: run.sessionId } : {}),
        },
      }),
    onSuccess: (r) => {
      void client.invalidateQueries({ queryKey: ['runs'] });
      navigate(runPath(r.workflowId));
    },
  });
  if (!canOperate) return null;
  const running = run.status === 'running';
  const error = cancel.error ?? terminate.error ?? again.error;
  return (
    <div className="controls wf-controls">
      {running ? (
        <button type="button" onClick={() => cancel.mutate()} disabled={cancel.isPending}>
          {cancel.isPending ? 'Cancelling…' : 'Cancel run'}
        </button>
      ) : null}
      {running && canAdmin ? (
        <button type="button" className="danger" onClick={() => setTerminating(true)}>
          Terminate…
        </button>
      ) : null}
      <button type="button" onClick={() => again.mutate()} disabled={again.isPending}>
        {again.isPending ? 'Starting…' : 'Run again'}
      </button>
      <button
        type="button"
        onClick={() => {
          setDraft({ type: run.type, input: run.input });
          navigate(`/workflows?start=${encodeURIComponent(run.type)}`);
        }}
      >
        Edit input and run again
      </button>
      {error ? <ErrorBox error={error} /> : null}
      {terminating ? (
        <Confirm
          title="Terminate this run?"
          confirmLabel="Terminate"
          onCancel={() => setTerminating(false)}
          onConfirm={() => {
            setTerminating(false);
            terminate.mutate();
          }}
        >
          <p>
            Terminating stops <span className="mono">{run.workflowId}</span> at once: no step gets to clean up
            (subprocesses and half-written reports stay as they are). Cancel lets it stop its steps instead.
          </p>
          <label className="wf-block">
            Reason <span className="muted">(kept in the run&apos;s history)</span>
            <textarea rows={2} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} />
          </label>
        </Confirm>
      ) : null}
    </div>
  );
}

const STEP_MARK: Record<Step['status'], string> = {
  pending: '○',
  running: '◐',
  done: '●',
  skipped: '–',
  failed: '✕',
};

function Steps({ progress }: { progress: Progress | undefined }) {
  if (!progress || progress.steps.length === 0)
    return <p className="muted">This run reports no steps (or its worker is not answering).</p>;
  const spans = progress.steps.flatMap((s) => (s.startedAt ? [Date.parse(s.startedAt)] : []));
  const t0 = spans.length ? Math.min(...spans) : Date.now();
  const ends = progress.steps.map((s) => (s.endedAt ? Date.parse(s.endedAt) : s.startedAt ? Date.now() : t0));
  const total = Math.max(1, Math.max(...ends) - t0);
  return (
    <>
      <p>
        <label htmlFor="steps-progress">
          {count(progress.completed)} of {count(progress.total)} steps finished
        </label>{' '}
        <progress id="steps-progress" max={progress.total || 1} value={progress.completed} />
      </p>
      <ol className="wf-steps" aria-label="Steps">
        {progress.steps.map((s) => {
          const start = s.startedAt ? Date.parse(s.startedAt) : undefined;
          const end = s.endedAt ? Date.parse(s.endedAt) : start !== undefined ? Date.now() : undefined;
          return (
            <li key={s.name} className={`wf-step st-${s.status}`} data-testid="step" data-status={s.status}>
              <div className="wf-step-head">
                <span aria-hidden="true" className="wf-mark">
                  {STEP_MARK[s.status]}
                </span>
                <span className="mono">{s.name}</span> <StatusBadge status={s.status} />
                <span className="muted num">
                  {start !== undefined && end !== undefined
                    ? `${duration(end - start)}${s.status === 'running' ? ' so far' : ''}`
                    : ''}
                </span>
              </div>
              {start !== undefined && end !== undefined ? (
                <div className="wf-bar" aria-hidden="true">
                  <span
                    style={{
                      marginLeft: `${((start - t0) / total) * 100}%`,
                      width: `${Math.max(0.8, ((end - start) / total) * 100)}%`,
                    }}
                  />
                </div>
              ) : null}
              {s.detail ? <p className="text muted">{s.detail}</p> : null}
              {s.output ? (
                <details className="wf-output">
                  <summary>Output</summary>
                  <pre tabIndex={0}>{s.output}</pre>
                </details>
              ) : null}
            </li>
          );
        })}
      </ol>
    </>
  );
}

function Reports({ id, reports }: { id: string; reports: Partial<Record<ReportKind, string>> }) {
  const kinds = Object.keys(reports) as ReportKind[];
  return (
    <>
      <h3>Reports</h3>
      <ul className="plain">
        {kinds.map((k) => (
          <li key={k}>
            <a className="button" href={`${BASE}${apiRunPath(id)}/reports/${k}`} download>
              Download {REPORT_LABELS[k]}
            </a>{' '}
            <span className="muted mono wf-file">{reports[k]}</span>
          </li>
        ))}
      </ul>
    </>
  );
}

const SEVERITIES: Finding['severity'][] = ['critical', 'high', 'medium', 'low', 'info'];
type SortKey = 'severity' | 'rule' | 'file';

function Findings({ findings, total }: { findings: Finding[]; total: unknown }) {
  const [severity, setSeverity] = useState('');
  const [rule, setRule] = useState('');
  const [file, setFile] = useState('');
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'severity', desc: false });
  const rows = useMemo(() => {
    const where = (f: Finding) => `${f.path ?? ''}:${String(f.line ?? 0).padStart(7, '0')}`;
    const cmp: Record<SortKey, (a: Finding, b: Finding) => number> = {
      severity: (a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity),
      rule: (a, b) => a.rule.localeCompare(b.rule),
      file: (a, b) => where(a).localeCompare(where(b)),
    };
    return findings
      .filter(
        (f) =>
          (!severity || f.severity === severity) &&
          (!rule || f.rule.toLowerCase().includes(rule.toLowerCase())) &&
          (!file || (f.path ?? '').toLowerCase().includes(file.toLowerCase())),
      )
      .sort((a, b) => (sort.desc ? -1 : 1) * (cmp[sort.key](a, b) || cmp.file(a, b)));
  }, [findings, severity, rule, file, sort]);
  const header = (key: SortKey, label: string) => (
    <th scope="col" aria-sort={sort.key === key ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
      <button
        type="button"
        className="link"
        onClick={() => setSort((s) => ({ key, desc: s.key === key ? !s.desc : false }))}
      >
        {label}
        <span aria-hidden="true">{sort.key === key ? (sort.desc ? ' ▼' : ' ▲') : ''}</span>
      </button>
    </th>
  );
  return (
    <section className="card" aria-labelledby="findings-title">
      <h2 id="findings-title">
        Findings{' '}
        <span className="muted">
          (
          {rows.length === findings.length
            ? count(findings.length)
            : `${count(rows.length)} of ${count(findings.length)}`}
          {typeof total === 'number' && total > findings.length ? `; the report has all ${count(total)}` : ''})
        </span>
      </h2>
      <form className="filters" role="search" aria-label="Filter findings" onSubmit={(e) => e.preventDefault()}>
        <label>
          Severity
          <select value={severity} onChange={(e) => setSeverity(e.target.value)}>
            <option value="">any</option>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Rule contains
          <input type="search" value={rule} onChange={(e) => setRule(e.target.value)} />
        </label>
        <label>
          File contains
          <input type="search" value={file} onChange={(e) => setFile(e.target.value)} />
        </label>
      </form>
      {findings.length === 0 ? <p className="muted">No findings: nothing to fix.</p> : null}
      {findings.length > 0 && rows.length === 0 ? <p className="muted">No findings match these filters.</p> : null}
      {rows.length ? (
        <div className="scroll wf-scroll">
          <table className="wf-findings">
            <thead>
              <tr>
                {header('severity', 'Severity')}
                {header('rule', 'Rule')}
                {header('file', 'File:line')}
                <th scope="col">Message</th>
                <th scope="col">Source</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((f, i) => (
                <tr key={`${f.rule}:${f.path}:${f.line}:${i}`} data-testid="finding">
                  <td>
                    <span className={`badge sev-${f.severity}`}>{f.severity}</span>
                  </td>
                  <td className="mono">{f.rule}</td>
                  <td className="mono">{f.path ? `${f.path}${f.line ? `:${f.line}` : ''}` : '—'}</td>
                  <td>
                    {f.title ? <strong>{f.title}: </strong> : null}
                    {f.message}
                  </td>
                  <td>{f.source ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

function Approvals({ id, pending, onDone }: { id: string; pending: PendingApproval[]; onDone: () => void }) {
  const canOperate = useCan('operator');
  return (
    <section className="card wf-approvals" aria-labelledby="approvals-title">
      <h2 id="approvals-title">Waiting for approval</h2>
      <ul className="plain">
        {pending.map((a) => (
          <Approval key={a.requestId} id={id} approval={a} canOperate={canOperate} onDone={onDone} />
        ))}
      </ul>
    </section>
  );
}

function Approval({
  id,
  approval,
  canOperate,
  onDone,
}: {
  id: string;
  approval: PendingApproval;
  canOperate: boolean;
  onDone: () => void;
}) {
  const [comment, setComment] = useState('');
  const decide = useMutation({
    mutationFn: (decision: 'approve' | 'reject') =>
      api(`${apiRunPath(id)}/approvals/${encodeURIComponent(approval.requestId)}`, {
        method: 'POST',
        body: { decision, ...(comment ? { comment } : {}) },
      }),
    onSuccess: onDone,
  });
  const fieldId = `comment-${approval.requestId}`;
  return (
    <li className="approval" data-testid="approval">
      <strong>{approval.title}</strong>
      {approval.deadline ? (
        <span className="muted">
          {' '}
          · {approval.defaultOutcome ?? 'rejected'} by default at {when(approval.deadline)}
        </span>
      ) : null}
      {approval.details ? (
        <Suspense fallback={<p className="text">{approval.details}</p>}>
          <ApprovalText text={approval.details} />
        </Suspense>
      ) : null}
      {canOperate ? (
        <>
          <label htmlFor={fieldId}>Comment</label>
          <textarea id={fieldId} rows={2} value={comment} onChange={(e) => setComment(e.target.value)} />
          <div className="row">
            <button
              type="button"
              className="primary"
              onClick={() => decide.mutate('approve')}
              disabled={decide.isPending}
            >
              Approve
            </button>
            <button
              type="button"
              className="danger"
              onClick={() => decide.mutate('reject')}
              disabled={decide.isPending}
            >
              Reject
            </button>
          </div>
          {decide.error ? (
            <ErrorBox
              error={
                decide.error instanceof ApiError && decide.error.status === 409
                  ? new ApiError(
                      409,
                      'Already decided or no longer waiting',
                      `${decide.error.detail}. Reload to see where the run is.`,
                    )
                  : decide.error
              }
            />
          ) : null}
        </>
      ) : (
        <p className="muted">An operator can answer it.</p>
      )}
    </li>
  );
}
