// Schedules: Temporal Schedules of workflow types (GET /schedules) with their spec, state and next
// run times; create (the type's input form), pause, unpause, trigger, backfill a past range, delete.
// Runs they start announce themselves on `workflows`, which refreshes the list.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiError, api, when } from '../api';
import { useLive } from '../live';
import { Confirm, ErrorBox, StatusBadge, useCan } from '../ui';
import { SchemaFields, defaultsOf, errorsByField, hasFields, pruned } from './SchemaForm';
import { WorkflowTabs, useTypes } from './Workflows';
import type { ScheduleRow, WorkflowType } from './workflow-api';
import './workflows.css';

const KEY = ['schedules'];

export function Schedules() {
  const client = useQueryClient();
  const canOperate = useCan('operator');
  const list = useQuery({
    queryKey: KEY,
    queryFn: () => api<{ schedules: ScheduleRow[] }>('/schedules'),
    staleTime: 0, // live only while shown
  });
  const types = useTypes();
  useLive('workflows', () => void client.invalidateQueries({ queryKey: KEY }));
  const refresh = () => void client.invalidateQueries({ queryKey: KEY });
  return (
    <>
      <h1>Workflows</h1>
      <WorkflowTabs current="schedules" />
      {canOperate && types.data ? <CreateSchedule types={types.data.types} onDone={refresh} /> : null}
      <section className="card" aria-labelledby="schedules-title">
        <h2 id="schedules-title">Schedules</h2>
        {list.error ? <ErrorBox error={list.error} /> : null}
        {list.data && list.data.schedules.length === 0 ? (
          <p className="muted">No schedules yet{canOperate ? ': create one above' : ''}.</p>
        ) : null}
        {list.data && list.data.schedules.length > 0 ? (
          <div className="scroll wf-scroll">
            <table className="wf-schedules">
              <thead>
                <tr>
                  <th scope="col">Schedule</th>
                  <th scope="col">Type</th>
                  <th scope="col">When</th>
                  <th scope="col">State</th>
                  <th scope="col">Next runs</th>
                  <th scope="col">Last run</th>
                  {canOperate ? <th scope="col">Actions</th> : null}
                </tr>
              </thead>
              <tbody>
                {list.data.schedules.map((s) => (
                  <ScheduleLine key={s.scheduleId} s={s} canOperate={canOperate} onDone={refresh} />
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
    </>
  );
}

function ScheduleLine({ s, canOperate, onDone }: { s: ScheduleRow; canOperate: boolean; onDone: () => void }) {
  const [backfill, setBackfill] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [triggered, setTriggered] = useState(false);
  const path = `/schedules/${encodeURIComponent(s.scheduleId)}`;
  const act = useMutation({
    mutationFn: (what: 'pause' | 'unpause' | 'trigger' | 'delete') =>
      what === 'delete' ? api(path, { method: 'DELETE' }) : api(`${path}/${what}`, { method: 'POST' }),
    onSuccess: (_r, what) => {
      if (what === 'trigger') setTriggered(true);
      onDone();
    },
  });
  return (
    <>
      <tr data-testid="schedule-row">
        <td className="mono">
          {s.scheduleId}
          {s.note ? <div className="muted wf-note">{s.note}</div> : null}
        </td>
        <td>{s.type ?? '—'}</td>
        <td className="mono">{s.cron ?? (s.every ? `every ${s.every}` : '—')}</td>
        <td>
          <StatusBadge status={s.paused ? 'paused' : 'active'} />
        </td>
        <td>
          {s.paused ? (
            <span className="muted">paused</span>
          ) : s.nextRuns.length ? (
            <ul className="plain">
              {s.nextRuns.map((t) => (
                <li key={t}>{when(t)}</li>
              ))}
            </ul>
          ) : (
            '—'
          )}
        </td>
        <td>{when(s.lastRun)}</td>
        {canOperate ? (
          <td>
            <div className="controls">
              {s.paused ? (
                <button type="button" onClick={() => act.mutate('unpause')} disabled={act.isPending}>
                  Unpause<span className="sr-only"> {s.scheduleId}</span>
                </button>
              ) : (
                <button type="button" onClick={() => act.mutate('pause')} disabled={act.isPending}>
                  Pause<span className="sr-only"> {s.scheduleId}</span>
                </button>
              )}
              <button type="button" onClick={() => act.mutate('trigger')} disabled={act.isPending}>
                Run now<span className="sr-only"> {s.scheduleId}</span>
              </button>
              <button type="button" onClick={() => setBackfill((b) => !b)} aria-expanded={backfill}>
                Backfill…<span className="sr-only"> {s.scheduleId}</span>
              </button>
              <button type="button" className="danger" onClick={() => setDeleting(true)}>
                Delete…<span className="sr-only"> {s.scheduleId}</span>
              </button>
            </div>
            {triggered ? (
              <p className="notice" role="status">
                Started a run: it shows in the runs list.
              </p>
            ) : null}
            {act.error ? <ErrorBox error={act.error} /> : null}
            {deleting ? (
              <Confirm
                title={`Delete the schedule ${s.scheduleId}?`}
                confirmLabel="Delete"
                onCancel={() => setDeleting(false)}
                onConfirm={() => {
                  setDeleting(false);
                  act.mutate('delete');
                }}
              >
                <p>It starts no more runs. The runs it started stay, with their history.</p>
              </Confirm>
            ) : null}
          </td>
        ) : null}
      </tr>
      {backfill && canOperate ? (
        <tr>
          <td colSpan={7}>
            <Backfill path={path} id={s.scheduleId} onDone={onDone} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

/** A datetime-local value ("2026-12-01T10:00") in the browser's time zone as ISO 8601 with offset. */
const isoOf = (local: string) => (local ? new Date(local).toISOString() : '');
const localOf = (d: Date) => {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
};

function Backfill({ path, id, onDone }: { path: string; id: string; onDone: () => void }) {
  const now = new Date();
  const [start, setStart] = useState(localOf(new Date(now.getTime() - 3_600_000)));
  const [end, setEnd] = useState(localOf(now));
  const [done, setDone] = useState(false);
  const run = useMutation({
    mutationFn: () => api(`${path}/backfill`, { method: 'POST', body: { start: isoOf(start), end: isoOf(end) } }),
    onSuccess: () => {
      setDone(true);
      onDone();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setDone(false);
    run.mutate();
  };
  return (
    <form className="filters" onSubmit={submit} aria-label={`Backfill ${id}`}>
      <label>
        From
        <input type="datetime-local" value={start} onChange={(e) => setStart(e.target.value)} required />
      </label>
      <label>
        Until
        <input type="datetime-local" value={end} onChange={(e) => setEnd(e.target.value)} required />
      </label>
      <button type="submit" className="primary" disabled={run.isPending || !start || !end}>
        {run.isPending ? 'Backfilling…' : 'Backfill'}
      </button>
      <span className="muted">Runs the schedule for each time it would have fired in the range (your time zone).</span>
      {done ? (
        <p className="notice" role="status">
          Backfill requested: its runs show in the runs list.
        </p>
      ) : null}
      {run.error ? <ErrorBox error={run.error} /> : null}
    </form>
  );
}

function CreateSchedule({ types, onDone }: { types: WorkflowType[]; onDone: () => void }) {
  const [scheduleId, setScheduleId] = useState('');
  const [type, setType] = useState('');
  const [mode, setMode] = useState<'every' | 'cron'>('every');
  const [spec, setSpec] = useState('1h');
  const [paused, setPaused] = useState(false);
  const [note, setNote] = useState('');
  const [input, setInput] = useState<unknown>(undefined);
  const [jsonBad, setJsonBad] = useState(false);
  const def = types.find((t) => t.type === type);
  const create = useMutation({
    mutationFn: () => {
      const value = def ? pruned(def.inputSchema, input) : undefined;
      return api('/schedules', {
        method: 'POST',
        body: {
          scheduleId,
          type,
          [mode]: spec,
          ...(value !== undefined ? { input: value } : {}),
          ...(paused ? { paused } : {}),
          ...(note ? { note } : {}),
        },
      });
    },
    onSuccess: () => {
      setScheduleId('');
      onDone();
    },
  });
  const errors = create.error instanceof ApiError ? create.error.errors : [];
  const at = (p: string) => errors.filter((e) => e.path === p).map((e) => e.message);
  const fieldErr = (p: string, id: string) =>
    at(p).length ? (
      <span id={id} className="sf-error" data-testid="field-error">
        {at(p).join('; ')}
      </span>
    ) : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  const unplaced = errors.filter(
    (e) => !['scheduleId', 'cron', 'every', 'type'].includes(e.path) && !e.path.startsWith('input'),
  );
  return (
    <section className="card" aria-labelledby="create-schedule-title">
      <h2 id="create-schedule-title">Create a schedule</h2>
      <form onSubmit={submit} noValidate aria-label="Create a schedule">
        <div className="sf-fields">
          <div className="sf-field">
            <label htmlFor="sch-id">Name</label>
            <input
              id="sch-id"
              value={scheduleId}
              onChange={(e) => setScheduleId(e.target.value)}
              aria-describedby="sch-id-hint"
              aria-invalid={at('scheduleId').length ? true : undefined}
            />
            <small id="sch-id-hint" className="sf-hint muted">
              Letters, digits and . _ -; also the prefix of its runs&apos; ids
            </small>
            {fieldErr('scheduleId', 'sch-id-err')}
          </div>
          <div className="sf-field">
            <label htmlFor="sch-type">Workflow type</label>
            <select
              id="sch-type"
              value={type}
              onChange={(e) => {
                setType(e.target.value);
                const d = types.find((t) => t.type === e.target.value);
                setInput(d ? defaultsOf(d.inputSchema) : undefined);
              }}
            >
              <option value="">Choose a type…</option>
              {types.map((t) => (
                <option key={t.type} value={t.type}>
                  {t.type}
                </option>
              ))}
            </select>
            {fieldErr('type', 'sch-type-err')}
          </div>
          <fieldset className="sf-field">
            <legend>Runs</legend>
            <div className="row">
              <label>
                <input
                  type="radio"
                  name="sch-mode"
                  checked={mode === 'every'}
                  onChange={() => (setMode('every'), setSpec('1h'))}
                />{' '}
                every
              </label>
              <label>
                <input
                  type="radio"
                  name="sch-mode"
                  checked={mode === 'cron'}
                  onChange={() => (setMode('cron'), setSpec('0 3 * * *'))}
                />{' '}
                cron
              </label>
            </div>
            <label htmlFor="sch-spec" className="sr-only">
              {mode === 'every' ? 'Interval' : 'Cron expression'}
            </label>
            <input
              id="sch-spec"
              className="mono"
              value={spec}
              onChange={(e) => setSpec(e.target.value)}
              aria-describedby="sch-spec-hint"
              aria-invalid={at(mode).length ? true : undefined}
            />
            <small id="sch-spec-hint" className="sf-hint muted">
              {mode === 'every' ? 'e.g. 30s, 15 minutes, 1h, 7 days' : 'five fields, e.g. "0 3 * * *", or @daily'}
            </small>
            {fieldErr(mode, 'sch-spec-err')}
          </fieldset>
          <div className="sf-field">
            <label htmlFor="sch-note">
              Note <span className="muted">(optional)</span>
            </label>
            <input id="sch-note" value={note} onChange={(e) => setNote(e.target.value)} maxLength={500} />
          </div>
          <div className="sf-field sf-check">
            <input id="sch-paused" type="checkbox" checked={paused} onChange={(e) => setPaused(e.target.checked)} />
            <label htmlFor="sch-paused">Create it paused</label>
          </div>
        </div>
        {def && hasFields(def.inputSchema) ? (
          <fieldset className="sf-object">
            <legend>Input of each run</legend>
            <SchemaFields
              key={def.type}
              id={`sch-${def.type}`}
              schema={def.inputSchema}
              value={input}
              onChange={setInput}
              errors={errorsByField(def.inputSchema, errors)}
              onJsonError={(_p, m) => setJsonBad(Boolean(m))}
            />
          </fieldset>
        ) : null}
        {create.error && (!(create.error instanceof ApiError) || errors.length === 0 || unplaced.length) ? (
          <ErrorBox error={create.error} />
        ) : null}
        {errorsByField(def?.inputSchema ?? {}, errors).get('')?.length ? (
          <p className="sf-error" role="alert">
            {errorsByField(def?.inputSchema ?? {}, errors)
              .get('')
              ?.join('; ')}
          </p>
        ) : null}
        <div className="row">
          <button type="submit" className="primary" disabled={create.isPending || !scheduleId || !type || jsonBad}>
            {create.isPending ? 'Creating…' : 'Create schedule'}
          </button>
        </div>
      </form>
    </section>
  );
}
