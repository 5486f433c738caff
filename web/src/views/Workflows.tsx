// Workflows: the types with a start form generated from each one's input schema (custom workflows
// from their definitions), and the runs, newest first, filtered by type, status and session, paged
// by the server's token, kept up to date by the `workflows` live channel.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { ApiError, api, when, type RunSummary } from '../api';
import { useLive } from '../live';
import { ErrorBox, StatusBadge, useCan } from '../ui';
import { SchemaFields, defaultsOf, errorsByField, hasFields, merge, pruned, type JsonSchema } from './SchemaForm';
import {
  RUN_STATUSES,
  duration,
  inputsSchema,
  runPath,
  takeDraft,
  temporalLink,
  type CustomDefinition,
  type TemporalUi,
  type TypesAnswer,
  type WorkflowType,
} from './workflow-api';
import './workflows.css';

export const useTypes = () =>
  useQuery({ queryKey: ['workflow-types'], queryFn: () => api<TypesAnswer>('/workflows/types'), staleTime: 60_000 });

export function WorkflowTabs({ current }: { current: 'runs' | 'schedules' }) {
  return (
    <nav className="wf-tabs" aria-label="Workflows">
      <Link href="/workflows" aria-current={current === 'runs' ? 'page' : undefined}>
        Types and runs
      </Link>
      <Link href="/workflows/schedules" aria-current={current === 'schedules' ? 'page' : undefined}>
        Schedules
      </Link>
    </nav>
  );
}

export function Workflows() {
  const canStart = useCan('operator');
  const types = useTypes();
  return (
    <>
      <h1>Workflows</h1>
      <WorkflowTabs current="runs" />
      {types.error ? <ErrorBox error={types.error} /> : null}
      {types.data ? canStart ? <StartRun types={types.data.types} /> : <TypesList types={types.data.types} /> : null}
      <Runs types={types.data?.types ?? []} ui={types.data?.temporalUi} />
    </>
  );
}

function TypesList({ types }: { types: WorkflowType[] }) {
  return (
    <section className="card" aria-labelledby="types-title">
      <h2 id="types-title">Workflow types</h2>
      <dl className="wf-types">
        {types.map((t) => (
          <div key={t.type}>
            <dt className="mono">{t.type}</dt>
            <dd>{t.description}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function StartRun({ types }: { types: WorkflowType[] }) {
  const [, navigate] = useLocation();
  const params = new URLSearchParams(useSearch());
  const type = types.find((t) => t.type === params.get('start'))?.type ?? '';
  const def = types.find((t) => t.type === type);
  const choose = (t: string) => {
    const next = new URLSearchParams(params);
    if (t) next.set('start', t);
    else next.delete('start');
    navigate(`/workflows${next.size ? `?${next}` : ''}`, { replace: true });
  };
  return (
    <section className="card" aria-labelledby="start-title">
      <h2 id="start-title">Start a run</h2>
      <div className="filters">
        <label>
          Workflow type
          <select value={type} onChange={(e) => choose(e.target.value)}>
            <option value="">Choose a type…</option>
            {types.map((t) => (
              <option key={t.type} value={t.type}>
                {t.type}
              </option>
            ))}
          </select>
        </label>
      </div>
      {def ? (
        <>
          <p className="muted">{def.description}</p>
          <StartForm key={def.type} def={def} />
        </>
      ) : (
        <p className="muted">Choose a type to see its input form.</p>
      )}
    </section>
  );
}

/** custom's schema with `name` as a choice of this host's definitions and `inputs` as that definition's. */
function customSchema(base: JsonSchema, defs: CustomDefinition[], name: unknown): JsonSchema {
  // depth is set by a parent custom workflow, not by people.
  const props = Object.fromEntries(Object.entries(base.properties ?? {}).filter(([k]) => k !== 'depth'));
  const chosen = defs.find((d) => d.name === name && !d.problems);
  const names = defs.filter((d) => !d.problems).map((d) => d.name);
  const inputs = inputsSchema(chosen);
  return {
    ...base,
    properties: {
      ...props,
      name: { ...props.name, ...(names.length ? { enum: names } : {}) },
      inputs: Object.keys(inputs.properties ?? {}).length ? inputs : { ...props.inputs, default: undefined },
    },
  };
}

function StartForm({ def }: { def: WorkflowType }) {
  const [, navigate] = useLocation();
  const client = useQueryClient();
  const custom = def.type === 'custom';
  const defs = useQuery({
    queryKey: ['custom-definitions'],
    queryFn: () => api<{ dir: string; definitions: CustomDefinition[] }>('/workflows/types/custom/definitions'),
    enabled: custom,
  });
  const [value, setValue] = useState<unknown>(() => merge(defaultsOf(def.inputSchema), takeDraft(def.type)));
  const [sessionId, setSessionId] = useState('');
  const [jsonErrors, setJsonErrors] = useState<Record<string, string>>({});
  const schema = useMemo(
    () =>
      custom
        ? customSchema(def.inputSchema, defs.data?.definitions ?? [], (value as { name?: unknown })?.name)
        : def.inputSchema,
    [custom, def.inputSchema, defs.data, value],
  );
  const start = useMutation({
    mutationFn: () => {
      const input = pruned(schema, value);
      return api<{ workflowId: string }>('/workflows', {
        method: 'POST',
        body: { type: def.type, ...(input !== undefined ? { input } : {}), ...(sessionId ? { sessionId } : {}) },
      });
    },
    onSuccess: (r) => {
      void client.invalidateQueries({ queryKey: ['runs'] });
      navigate(runPath(r.workflowId));
    },
  });
  const apiErrors = start.error instanceof ApiError ? start.error.errors : [];
  const byField = errorsByField(schema, apiErrors);
  const general = byField.get('') ?? [];
  const sessionErrors = apiErrors.filter((e) => e.path === 'sessionId').map((e) => e.message);
  const blocked = Object.keys(jsonErrors).length > 0;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    start.mutate();
  };
  const formId = `start-${def.type}`;
  const problems = (defs.data?.definitions ?? []).filter((d) => d.problems);
  return (
    <form className="wf-start" onSubmit={submit} aria-label={`Start ${def.type}`} noValidate>
      {custom && defs.data && defs.data.definitions.length === 0 ? (
        <p className="notice">
          No custom workflow definitions on this host yet: add one as{' '}
          <span className="mono">{defs.data.dir}/&lt;name&gt;.yaml</span>.
        </p>
      ) : null}
      {problems.length ? (
        <div className="error" role="status">
          <strong>Definitions that cannot run until fixed</strong>
          <ul>
            {problems.map((d) => (
              <li key={d.name}>
                <span className="mono">{d.name}</span>: {d.problems?.join('; ')}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {hasFields(schema) || kindIsJson(schema) ? (
        <SchemaFields
          id={formId}
          schema={schema}
          value={value}
          onChange={(v) => {
            const name = (v as { name?: unknown } | undefined)?.name;
            // Another definition: its declared inputs, with their defaults.
            if (custom && name !== (value as { name?: unknown } | undefined)?.name) {
              const chosen = defs.data?.definitions.find((d) => d.name === name && !d.problems);
              v = { ...(v as object), inputs: defaultsOf(inputsSchema(chosen)) };
            }
            setValue(v);
          }}
          errors={byField}
          onJsonError={(path, m) =>
            setJsonErrors((j) => {
              const rest = Object.fromEntries(Object.entries(j).filter(([k]) => k !== path));
              return m ? { ...rest, [path]: m } : rest;
            })
          }
        />
      ) : (
        <p className="muted">This type takes no input.</p>
      )}
      <div className="sf-fields">
        <div className="sf-field">
          <label htmlFor={`${formId}-session`}>
            <span className="sf-name">Child of session</span> <span className="muted">(optional)</span>
          </label>
          <input
            id={`${formId}-session`}
            value={sessionId}
            onChange={(e) => setSessionId(e.target.value.trim())}
            aria-describedby={`${formId}-session-hint`}
            aria-invalid={sessionErrors.length ? true : undefined}
          />
          <small id={`${formId}-session-hint`} className="sf-hint muted">
            A session id: the run shows in that session and asks its approvals there
          </small>
          {sessionErrors.length ? <span className="sf-error">{sessionErrors.join('; ')}</span> : null}
        </div>
      </div>
      {start.error && (!(start.error instanceof ApiError) || start.error.errors.length === 0 || general.length) ? (
        <ErrorBox
          error={
            general.length && start.error instanceof ApiError
              ? new ApiError(400, 'The input as a whole is not right', general.join('; '))
              : start.error
          }
        />
      ) : null}
      {start.error instanceof ApiError && apiErrors.length && !general.length ? (
        <p className="sf-error" role="alert">
          {apiErrors.length === 1 ? 'One field needs fixing' : `${apiErrors.length} fields need fixing`}: see the
          messages beside them.
        </p>
      ) : null}
      <div className="row">
        <button type="submit" className="primary" disabled={start.isPending || blocked}>
          {start.isPending ? 'Starting…' : `Start ${def.type}`}
        </button>
        {blocked ? <span className="muted">Fix the JSON fields first.</span> : null}
      </div>
    </form>
  );
}

const kindIsJson = (s: JsonSchema) => !hasFields(s) && !(s.anyOf && s.anyOf.some((a) => Object.keys(a).length === 0));

const PAGE = 25;

function Runs({ types, ui }: { types: WorkflowType[]; ui: TemporalUi | undefined }) {
  const client = useQueryClient();
  const [, navigate] = useLocation();
  const params = new URLSearchParams(useSearch());
  const type = params.get('type') ?? '';
  const status = params.get('status') ?? '';
  const sessionId = params.get('session') ?? '';
  // The tokens of the pages before this one (the server's paging goes forward only).
  const [tokens, setTokens] = useState<string[]>([]);
  const token = tokens.at(-1);
  const setFilter = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setTokens([]);
    navigate(`/workflows${next.size ? `?${next}` : ''}`, { replace: true });
  };
  const query = new URLSearchParams({ limit: String(PAGE) });
  if (type) query.set('type', type);
  if (status) query.set('status', status);
  if (sessionId) query.set('sessionId', sessionId);
  if (token) query.set('pageToken', token);
  const list = useQuery({
    queryKey: ['runs', query.toString()],
    queryFn: () => api<{ runs: RunSummary[]; nextPageToken?: string }>(`/workflows?${query}`),
    placeholderData: keepPreviousData,
    // Kept current by live events only while shown: read again whenever the list is shown again.
    staleTime: 0,
  });
  // Starts and ends are announced on `workflows`, an end just before the run closes, and Temporal's
  // list may lag a moment more: refetch now and twice shortly after.
  useLive('workflows', () => {
    void client.invalidateQueries({ queryKey: ['runs'] });
    for (const ms of [500, 2000]) window.setTimeout(() => void client.invalidateQueries({ queryKey: ['runs'] }), ms);
  });
  const filtered = Boolean(type || status || sessionId);
  return (
    <section className="card" aria-labelledby="runs-title">
      <h2 id="runs-title">Runs</h2>
      <form className="filters" role="search" aria-label="Filter runs" onSubmit={(e) => e.preventDefault()}>
        <label>
          Type
          <select value={type} onChange={(e) => setFilter({ type: e.target.value })}>
            <option value="">any</option>
            {types.map((t) => (
              <option key={t.type} value={t.type}>
                {t.type}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select value={status} onChange={(e) => setFilter({ status: e.target.value })}>
            <option value="">any</option>
            {RUN_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.replace('_', ' ')}
              </option>
            ))}
          </select>
        </label>
        <SessionFilter value={sessionId} onCommit={(v) => setFilter({ session: v })} />
      </form>
      {list.error ? <ErrorBox error={list.error} /> : null}
      {list.data && list.data.runs.length === 0 ? (
        <p className="muted">No runs{filtered ? ' match these filters' : ' yet'}.</p>
      ) : null}
      {list.data && list.data.runs.length > 0 ? (
        <div className="scroll wf-scroll">
          <table className="wf-runs">
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Type</th>
                <th scope="col">Status</th>
                <th scope="col">Started</th>
                <th scope="col" className="num">
                  Duration
                </th>
                <th scope="col">Session</th>
                <th scope="col">Temporal</th>
              </tr>
            </thead>
            <tbody>
              {list.data.runs.map((r) => {
                const link = temporalLink(ui, r.workflowId);
                return (
                  <tr key={`${r.workflowId}/${r.startTime}`} data-testid="run-row">
                    <td className="mono wf-id">
                      <Link href={runPath(r.workflowId)}>{r.workflowId}</Link>
                    </td>
                    <td>{r.type}</td>
                    <td>
                      <StatusBadge status={r.status} />
                    </td>
                    <td>{when(r.startTime)}</td>
                    <td className="num">
                      {r.durationMs !== undefined
                        ? duration(r.durationMs)
                        : `${duration(Date.now() - Date.parse(r.startTime))} so far`}
                    </td>
                    <td>
                      {r.sessionId ? <Link href={`/sessions/${r.sessionId}`}>{r.sessionId.slice(0, 8)}</Link> : '—'}
                    </td>
                    <td>
                      {link ? (
                        <a href={link} target="_blank" rel="noreferrer">
                          Open<span className="sr-only"> {r.workflowId} in the Temporal Web UI</span>
                        </a>
                      ) : (
                        '—'
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      {list.data ? (
        <nav className="pager" aria-label="Pages of runs">
          <button type="button" disabled={tokens.length === 0} onClick={() => setTokens((t) => t.slice(0, -1))}>
            Newer
          </button>
          <span>Page {tokens.length + 1}</span>
          <button
            type="button"
            disabled={!list.data.nextPageToken}
            onClick={() => list.data?.nextPageToken && setTokens((t) => [...t, list.data.nextPageToken as string])}
          >
            Older
          </button>
        </nav>
      ) : null}
    </section>
  );
}

function SessionFilter({ value, onCommit }: { value: string; onCommit: (v: string) => void }) {
  const [text, setText] = useState(value);
  return (
    <label>
      Session id
      <input
        type="search"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => text !== value && onCommit(text.trim())}
        onKeyDown={(e) => e.key === 'Enter' && onCommit(text.trim())}
      />
    </label>
  );
}
