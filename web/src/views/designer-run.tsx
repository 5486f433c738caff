// The designer's run view (#16): "Run" opens the start form generated from the definition's
// `inputs`; the run's step statuses (from GET /workflows/{id} and its live `workflow:<id>` events,
// see use-run.ts) are drawn over the graph of the text the run pinned — the current one, or the
// saved version with that hash when the file has changed since. Status never touches the layout:
// nodes keep their places while it changes. A step's card shows its error and output.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Link } from 'wouter';
import { ApiError, api, when } from '../api';
import { ErrorBox, StatusBadge } from '../ui';
import { SchemaFields, defaultsOf, errorsByField, hasFields, pruned } from './SchemaForm';
import { useRun } from './use-run';
import { duration, inputsSchema, runPath, type CustomDefinition, type RunDetail, type Step } from './workflow-api';

const D = '/workflows/definitions';

/** A run shown on the graph: its id, and the definition hash it ran when known. */
export interface Watch {
  workflowId: string;
  hash?: string;
}

export interface VersionSummary {
  id: string;
  name: string;
  hash: string;
  action: string;
  author: string;
  createdAt: string;
}
export interface Version extends VersionSummary {
  text: string;
}

const ACTION: Record<string, string> = {
  created: 'created',
  saved: 'saved',
  renamed: 'renamed',
  restored: 'restored',
  deleted: 'deleted',
  disk: 'changed on disk',
};

/** What a version was: "saved by ann", "changed on disk" (the watcher saw it; nobody is named). */
export function versionWhat(v: VersionSummary): string {
  const what = ACTION[v.action] ?? v.action;
  return v.author === 'disk' ? what : `${what} by ${v.author}`;
}

/** A modal dialog, open while mounted; Escape or the backdrop's cancel closes it. */
export function Dialog({
  title,
  onClose,
  children,
  wide,
  testId,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  wide?: boolean;
  testId?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  const titleId = `dlg-${title.replace(/\W+/g, '-')}`;
  return (
    <dialog
      ref={ref}
      className={`dialog${wide ? ' wide' : ''}`}
      aria-labelledby={titleId}
      onCancel={onClose}
      data-testid={testId}
    >
      <div className="row dz-dialog-head">
        <h2 id={titleId}>{title}</h2>
        <button type="button" onClick={onClose} aria-label="Close">
          Close
        </button>
      </div>
      {children}
    </dialog>
  );
}

/** The start form of a definition: its declared inputs, defaults filled in, the API's 400 beside each field. */
export function RunDialog({
  name,
  onStarted,
  onClose,
}: {
  name: string;
  onStarted: (workflowId: string) => void;
  onClose: () => void;
}) {
  const client = useQueryClient();
  const defs = useQuery({
    queryKey: ['custom-definitions'],
    queryFn: () => api<{ dir: string; definitions: CustomDefinition[] }>('/workflows/types/custom/definitions'),
    staleTime: 0,
  });
  const def = defs.data?.definitions.find((d) => d.name === name);
  const schema = useMemo(() => inputsSchema(def), [def]);
  const [value, setValue] = useState<unknown>(undefined);
  const [jsonErrors, setJsonErrors] = useState<Record<string, string>>({});
  useEffect(() => {
    if (def) setValue(defaultsOf(schema));
  }, [def, schema]);
  const start = useMutation({
    mutationFn: () => {
      const inputs = pruned(schema, value, false);
      return api<{ workflowId: string }>('/workflows', {
        method: 'POST',
        body: { type: 'custom', input: { name, ...(inputs !== undefined ? { inputs } : {}) } },
      });
    },
    onSuccess: (r) => {
      void client.invalidateQueries({ queryKey: ['runs'] });
      void client.invalidateQueries({ queryKey: ['definition-runs', name] });
      onStarted(r.workflowId);
    },
  });
  const apiErrors = start.error instanceof ApiError ? start.error.errors : [];
  const byField = errorsByField(schema, apiErrors, 'input.inputs');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    start.mutate();
  };
  const fields = hasFields(schema) && Object.keys(schema.properties ?? {}).length > 0;
  return (
    <Dialog title={`Run ${name}`} onClose={onClose} testId="dz-run-dialog">
      {defs.error ? <ErrorBox error={defs.error} /> : null}
      {defs.data && !def ? (
        <p className="error" role="alert">
          {name} is not among this host&apos;s definitions any more; save it first.
        </p>
      ) : null}
      {def?.problems?.length ? (
        <div className="error" role="alert">
          <strong>The saved file cannot run until these are fixed</strong>
          <ul>
            {def.problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </div>
      ) : null}
      <form onSubmit={submit} aria-label={`Inputs of ${name}`} noValidate>
        {def && fields ? (
          <SchemaFields
            id={`run-${name}`}
            schema={schema}
            value={value}
            onChange={setValue}
            errors={byField}
            onJsonError={(path, m) =>
              setJsonErrors((j) => {
                const rest = Object.fromEntries(Object.entries(j).filter(([k]) => k !== path));
                return m ? { ...rest, [path]: m } : rest;
              })
            }
          />
        ) : def ? (
          <p className="muted">This definition declares no inputs.</p>
        ) : null}
        {start.error && (!(start.error instanceof ApiError) || byField.get('')?.length || !apiErrors.length) ? (
          <ErrorBox error={start.error} />
        ) : null}
        <div className="row end">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            className="primary"
            disabled={!def || Boolean(def.problems?.length) || start.isPending || Object.keys(jsonErrors).length > 0}
          >
            {start.isPending ? 'Starting…' : 'Start run'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

interface DefinitionRun {
  workflowId: string;
  runId: string;
  status: string;
  startTime: string;
  closeTime?: string;
  durationMs?: number;
  hash?: string;
}

/** The definition's past runs, newest first; each opens on the graph of the version it ran. */
export function RunsDialog({
  name,
  currentHash,
  onOpen,
  onClose,
}: {
  name: string;
  currentHash: string;
  onOpen: (w: Watch) => void;
  onClose: () => void;
}) {
  const runs = useQuery({
    queryKey: ['definition-runs', name],
    queryFn: () =>
      api<{ runs: DefinitionRun[]; scanned: number; more: boolean }>(`${D}/${encodeURIComponent(name)}/runs?limit=25`),
    staleTime: 0,
  });
  return (
    <Dialog title={`Runs of ${name}`} onClose={onClose} wide testId="dz-runs-dialog">
      {runs.error ? <ErrorBox error={runs.error} /> : null}
      {runs.isPending ? <p className="muted">Loading…</p> : null}
      {runs.data && runs.data.runs.length === 0 ? <p className="muted">No runs of {name} yet.</p> : null}
      {runs.data && runs.data.runs.length > 0 ? (
        <div className="scroll">
          <table>
            <caption className="sr-only">Runs of {name}</caption>
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">
                  Took
                </th>
                <th scope="col">Version</th>
                <th scope="col">Open</th>
              </tr>
            </thead>
            <tbody>
              {runs.data.runs.map((r) => (
                <tr key={`${r.workflowId}/${r.runId}`} data-testid="dz-run-row">
                  <td>{when(r.startTime)}</td>
                  <td>
                    <StatusBadge status={r.status} />
                  </td>
                  <td className="num">{duration(r.durationMs)}</td>
                  <td>
                    {!r.hash ? (
                      <span className="muted">not loaded</span>
                    ) : r.hash === currentHash ? (
                      'this text'
                    ) : (
                      <span className="mono" title={r.hash}>
                        {r.hash.slice(0, 10)} (earlier)
                      </span>
                    )}
                  </td>
                  <td className="dz-actions">
                    <button type="button" onClick={() => onOpen({ workflowId: r.workflowId, hash: r.hash })}>
                      On the graph
                    </button>
                    <Link href={runPath(r.workflowId)}>Run page</Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {runs.data?.more ? (
        <p className="muted">Only the newest {runs.data.scanned} custom runs were looked through.</p>
      ) : null}
    </Dialog>
  );
}

/** What the graph draws for a run: its steps by id, and the text it ran when that is not the editor's. */
export function useRunOverlay(watch: Watch | undefined, name: string, currentHash: string) {
  const { run } = useRun(watch?.workflowId);
  const result = run.data?.result as { hash?: string } | undefined;
  // Opened by its id alone (a link) and still running: the definition's runs say what it pinned.
  const lookup = useQuery({
    queryKey: ['definition-runs', name],
    enabled: watch !== undefined && watch.hash === undefined && run.data !== undefined && !result?.hash,
    queryFn: () => api<{ runs: DefinitionRun[] }>(`${D}/${encodeURIComponent(name)}/runs?limit=25`),
  });
  const hash = watch?.hash ?? result?.hash ?? lookup.data?.runs.find((r) => r.workflowId === watch?.workflowId)?.hash;
  const other = watch !== undefined && hash !== undefined && hash !== currentHash;
  const version = useQuery({
    queryKey: ['definition-version', name, hash],
    enabled: other,
    staleTime: Infinity,
    queryFn: async () => {
      const list = await api<{ versions: VersionSummary[] }>(
        `${D}/${encodeURIComponent(name)}/versions?hash=${hash as string}&limit=1`,
      );
      const v = list.versions[0];
      return v ? api<Version>(`${D}/${encodeURIComponent(name)}/versions/${v.id}`) : null;
    },
  });
  const steps = useMemo(() => new Map((run.data?.progress?.steps ?? []).map((s) => [s.name, s])), [run.data]);
  return {
    run,
    steps,
    /** The text to draw, when the run ran another version than the editor's (null: not kept). */
    versionText: other ? (version.data === undefined ? undefined : (version.data?.text ?? null)) : undefined,
    version: other ? version.data : undefined,
    other,
    versionPending: other && version.isPending,
  };
}

/** Above the graph while a run is shown: its status, how far it is, where to see more. */
export function RunBanner({
  run,
  other,
  version,
  versionMissing,
  onClose,
}: {
  run: RunDetail | undefined;
  other: boolean;
  version?: VersionSummary | null;
  versionMissing: boolean;
  onClose: () => void;
}) {
  if (!run) return <div className="banner dz-run-banner">Loading the run…</div>;
  const p = run.progress;
  return (
    <div className="banner dz-run-banner" role="status" data-testid="dz-run-banner" data-status={run.status}>
      <div className="row">
        <strong>Run</strong> <span className="mono">{run.workflowId}</span> <StatusBadge status={run.status} />
        {p ? (
          <span className="muted">
            {p.completed} of {p.total} steps finished
          </span>
        ) : null}
        <Link href={runPath(run.workflowId)}>Run page</Link>
        <button type="button" onClick={onClose}>
          Back to editing
        </button>
      </div>
      {p?.pendingApprovals.length ? (
        <p data-testid="dz-run-approval">
          Waiting for approval: {p.pendingApprovals.map((a) => a.title).join('; ')} —{' '}
          <Link href={runPath(run.workflowId)}>answer it on the run page</Link>
        </p>
      ) : null}
      {run.failure ? (
        <p className="text" data-testid="dz-run-failure">
          {run.failure.message}
        </p>
      ) : null}
      {other && version ? (
        <p className="muted">
          This run ran an earlier version ({versionWhat(version)}, {when(version.createdAt)}): the graph shows that
          version, read only.
        </p>
      ) : null}
      {versionMissing ? (
        <p className="muted">
          The text this run ran is not among the saved versions; its statuses are drawn on the current graph by step id.
        </p>
      ) : null}
    </div>
  );
}

/** The selected step in a run: status, how long, its error or summary, and its output. */
export function RunStepCard({ id, step }: { id: string; step: Step | undefined }) {
  if (!step)
    return (
      <div className="card dz-run-step" data-testid="dz-run-step">
        <h2>
          {id} <span className="muted">in this run</span>
        </h2>
        <p className="muted">This run reports nothing for this step.</p>
      </div>
    );
  const took = tookOf(step);
  return (
    <div className="card dz-run-step" data-testid="dz-run-step" data-status={step.status}>
      <h2>
        {id} <StatusBadge status={step.status} /> {took ? <span className="muted">{took}</span> : null}
      </h2>
      {step.detail ? (
        <p className={step.status === 'failed' ? 'error' : 'text'} data-testid="dz-run-step-detail">
          {step.detail}
        </p>
      ) : null}
      {step.output ? (
        <>
          <h3>Output</h3>
          <pre className="dz-output" tabIndex={0} data-testid="dz-run-step-output">
            {pretty(step.output)}
          </pre>
        </>
      ) : null}
    </div>
  );
}

/** "1.2 s", or "running" / nothing. */
export function tookOf(s: Step): string | undefined {
  if (s.status === 'running') return 'running';
  if (!s.startedAt || !s.endedAt) return undefined;
  return duration(Date.parse(s.endedAt) - Date.parse(s.startedAt));
}

function pretty(json: string): string {
  try {
    return JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    return json; // cut short: as it is
  }
}
