// Sessions: the list, paged by the server (GET /sessions?limit&offset), filtered by status, owner
// and project (kept in the URL, and remembered in this browser for the next visit), a form to start
// one, and live updates of the rows.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { ApiError, SESSION_STATUSES, api, count, money, when, type SessionRow } from '../api';
import { useLive } from '../live';
import { PageSize, useLastFilters, usePageSize } from '../prefs';
import { ErrorBox, StatusBadge, useCan } from '../ui';

const FILTERS = ['status', 'owner', 'project', 'title'];

type Page = { total: number; sessions: SessionRow[] };

/**
 * Live: a row on the page takes a session's session.updated at once; the page itself (which rows
 * match the filters, their order, the total) is read again at most once a second while changes come.
 */
function useLiveSessions(key: string[]) {
  const client = useQueryClient();
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  useLive('sessions', (e) => {
    const u = e.data as Partial<SessionRow> & { sessionId: string };
    client.setQueryData<Page>(key, (d) =>
      d?.sessions.some((r) => r.sessionId === u.sessionId)
        ? { ...d, sessions: d.sessions.map((r) => (r.sessionId === u.sessionId ? { ...r, ...u } : r)) }
        : d,
    );
    if (timer.current === undefined)
      timer.current = window.setTimeout(() => {
        timer.current = undefined;
        void client.invalidateQueries({ queryKey: key });
      }, 1_000);
  });
}

export function Sessions() {
  const [, navigate] = useLocation();
  const params = new URLSearchParams(useSearch());
  const status = params.get('status') ?? '';
  const owner = params.get('owner') ?? '';
  const project = params.get('project') ?? '';
  const title = params.get('title') ?? '';
  const offset = Number(params.get('offset') ?? 0) || 0;
  const canStart = useCan('operator');
  const [PAGE] = usePageSize();
  useLastFilters('sessions', '/sessions', FILTERS);

  const setFilter = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    if (!('offset' in changes)) next.delete('offset');
    navigate(`/sessions${next.size ? `?${next}` : ''}`, { replace: true });
  };

  const query = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
  if (status) query.set('status', status);
  if (owner) query.set('owner', owner);
  if (project) query.set('project', project);
  if (title) query.set('title', title);
  const list = useQuery({
    queryKey: ['sessions', query.toString()],
    queryFn: () => api<{ total: number; sessions: SessionRow[] }>(`/sessions?${query}`),
    placeholderData: keepPreviousData,
  });
  useLiveSessions(['sessions', query.toString()]);

  return (
    <>
      <h1>Sessions</h1>
      {canStart ? <StartSession /> : null}
      <section className="card" aria-labelledby="list-title">
        <h2 id="list-title">All sessions</h2>
        <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
          <label>
            Status
            <select value={status} onChange={(e) => setFilter({ status: e.target.value })}>
              <option value="">any</option>
              {SESSION_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s.replace('_', ' ')}
                </option>
              ))}
            </select>
          </label>
          <FilterInput
            key={`title:${title}`}
            label="Title contains"
            value={title}
            onCommit={(v) => setFilter({ title: v })}
          />
          <FilterInput key={`owner:${owner}`} label="Owner" value={owner} onCommit={(v) => setFilter({ owner: v })} />
          <FilterInput
            key={`project:${project}`}
            label="Project"
            value={project}
            onCommit={(v) => setFilter({ project: v })}
          />
        </form>
        {list.error ? <ErrorBox error={list.error} /> : null}
        {list.data && list.data.sessions.length === 0 ? (
          <p className="muted">No sessions{status || owner || project || title ? ' match these filters' : ' yet'}.</p>
        ) : null}
        {list.data && list.data.sessions.length > 0 ? (
          <div className="scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Title</th>
                  <th scope="col">Status</th>
                  <th scope="col">Owner</th>
                  <th scope="col">Project</th>
                  <th scope="col" className="num">
                    Messages
                  </th>
                  <th scope="col" className="num">
                    Cost
                  </th>
                  <th scope="col">Last activity</th>
                </tr>
              </thead>
              <tbody>
                {list.data.sessions.map((s) => (
                  <tr key={s.sessionId}>
                    <td>
                      <Link href={`/sessions/${s.sessionId}`}>{s.title}</Link>
                    </td>
                    <td>
                      <StatusBadge status={s.status} />
                    </td>
                    <td>{s.owner}</td>
                    <td className="mono">{s.project ?? '—'}</td>
                    <td className="num">{count(s.messageCount)}</td>
                    <td className="num">{money(s.costUsd)}</td>
                    <td>{when(s.lastActivityAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        {list.data ? (
          <nav className="pager" aria-label="Pages">
            <button
              type="button"
              disabled={offset === 0}
              onClick={() => setFilter({ offset: String(Math.max(0, offset - PAGE)) })}
            >
              Previous
            </button>
            <span>
              {list.data.total === 0 ? 0 : offset + 1}–{Math.min(offset + PAGE, list.data.total)} of{' '}
              {count(list.data.total)}
            </span>
            <button
              type="button"
              disabled={offset + PAGE >= list.data.total}
              onClick={() => setFilter({ offset: String(offset + PAGE) })}
            >
              Next
            </button>
            <PageSize />
          </nav>
        ) : null}
      </section>
    </>
  );
}

function FilterInput({ label, value, onCommit }: { label: string; value: string; onCommit: (v: string) => void }) {
  const [text, setText] = useState(value);
  return (
    <label>
      {label}
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

/** POST /sessions/import with a file from GET /sessions/{id}/export: a new session with that conversation. */
function ImportSession() {
  const [, navigate] = useLocation();
  const load = useMutation({
    mutationFn: async (file: File) => {
      let doc: unknown;
      try {
        doc = JSON.parse(await file.text());
      } catch {
        throw new ApiError(0, 'Not a session export', `${file.name} is not JSON: choose a file saved with Export.`);
      }
      return api<{ sessionId: string }>('/sessions/import', { method: 'POST', body: doc });
    },
    onSuccess: (r) => navigate(`/sessions/${r.sessionId}`),
  });
  return (
    <div className="import">
      <label>
        Import a session <span className="muted">(a file saved with Export)</span>
        <input
          type="file"
          accept="application/json,.json"
          disabled={load.isPending}
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) load.mutate(file);
            e.target.value = '';
          }}
        />
      </label>
      {load.error ? <ErrorBox error={load.error} /> : null}
    </div>
  );
}

function StartSession() {
  const [, navigate] = useLocation();
  const [title, setTitle] = useState('');
  const [owner, setOwner] = useState('');
  const [path, setPath] = useState('');
  const start = useMutation({
    mutationFn: () =>
      api<{ sessionId: string }>('/sessions', {
        method: 'POST',
        body: { title, ...(owner ? { owner } : {}), ...(path ? { project: { path } } : {}) },
      }),
    onSuccess: (r) => navigate(`/sessions/${r.sessionId}`),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    start.mutate();
  };
  return (
    <section className="card" aria-labelledby="start-title">
      <h2 id="start-title">Start a session</h2>
      <form className="filters" onSubmit={submit}>
        <label>
          Title
          <input value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={200} />
        </label>
        <label>
          <span>
            Owner <span className="muted">(optional)</span>
          </span>
          <input value={owner} onChange={(e) => setOwner(e.target.value)} maxLength={200} />
        </label>
        <label>
          <span>
            Project path <span className="muted">(optional)</span>
          </span>
          <input value={path} onChange={(e) => setPath(e.target.value)} placeholder="/home/me/project" />
        </label>
        <button type="submit" className="primary" disabled={start.isPending || !title.trim()}>
          {start.isPending ? 'Starting…' : 'Start session'}
        </button>
      </form>
      {start.error ? <ErrorBox error={start.error} /> : null}
      <ImportSession />
    </section>
  );
}
