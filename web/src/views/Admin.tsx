// Administration, for admins: API keys (GET/POST/PUT/DELETE /keys; a new key is shown once, in
// this component's memory only) and the audit log (GET /audit, filtered and paged by the server).
// Anyone else gets a page saying the admin role is needed; the API refuses them anyway.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useContext, useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError, api, when, type Role } from '../api';
import { useLive } from '../live';
import { PageSize, usePageSize } from '../prefs';
import { Confirm, ErrorBox, MeContext, useCan } from '../ui';
import './admin.css';

interface ApiKey {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

interface AuditRow {
  id: string;
  at: string;
  actor: string;
  actorName: string | null;
  action: string;
  target: string;
  status: number;
  ip: string | null;
  requestId: string | null;
}

const ROLES: Role[] = ['viewer', 'operator', 'admin'];

export function Admin() {
  const me = useContext(MeContext);
  const isAdmin = useCan('admin');
  if (!isAdmin)
    return (
      <>
        <h1>Administration</h1>
        <ErrorBox
          error={
            new ApiError(
              403,
              'This page needs the admin role',
              `You are signed in as ${me?.name ?? 'someone'} with the ${me?.role ?? 'viewer'} role. API keys and the audit log are for admins: ask one, or sign in with an admin key.`,
            )
          }
        />
      </>
    );
  return (
    <>
      <h1>Administration</h1>
      <Keys />
      <AuditLog />
    </>
  );
}

function Keys() {
  const client = useQueryClient();
  const me = useContext(MeContext);
  const keys = useQuery({ queryKey: ['keys'], queryFn: () => api<{ keys: ApiKey[] }>('/keys') });
  const [revoking, setRevoking] = useState<ApiKey | undefined>();
  const [done, setDone] = useState<string | undefined>();
  const changed = (message: string) => {
    setDone(message);
    void client.invalidateQueries({ queryKey: ['keys'] });
    // The audit row of the call is written just after its answer, in a batch (api/audit.ts): read it a moment later.
    window.setTimeout(() => void client.invalidateQueries({ queryKey: ['audit'] }), 300);
  };
  const revoke = useMutation({
    mutationFn: (k: ApiKey) => api<ApiKey>(`/keys/${k.id}`, { method: 'DELETE' }),
    onSuccess: (k) => changed(`Key "${k.name}" revoked: it no longer works, and its live streams were closed.`),
    onSettled: () => setRevoking(undefined),
  });
  const setRole = useMutation({
    mutationFn: ({ k, role }: { k: ApiKey; role: Role }) =>
      api<ApiKey>(`/keys/${k.id}`, { method: 'PUT', body: { role } }),
    onSuccess: (k) => changed(`Key "${k.name}" is now ${k.role}; its logins follow at their next call.`),
  });
  const active = keys.data?.keys.filter((k) => !k.revokedAt).length ?? 0;
  return (
    <section className="card" aria-labelledby="keys-title">
      <h2 id="keys-title">API keys</h2>
      <CreateKey onCreated={(k) => changed(`Key "${k.name}" created.`)} />
      {done ? (
        <p className="notice" role="status">
          {done}
        </p>
      ) : null}
      {keys.error ? <ErrorBox error={keys.error} /> : null}
      {revoke.error ? <ErrorBox error={revoke.error} /> : null}
      {setRole.error ? <ErrorBox error={setRole.error} /> : null}
      {keys.data && keys.data.keys.length === 0 ? (
        <p className="muted">
          No keys yet: only the bootstrap key (CLAUDE_FLOW_API_KEY) works. Create one per person or program.
        </p>
      ) : null}
      {keys.data && keys.data.keys.length > 0 ? (
        <>
          <p className="muted">
            {active} active of {keys.data.keys.length}; revoked keys stay listed for the audit log.
          </p>
          <div className="scroll" tabIndex={0} role="region" aria-label="API key list">
            <table className="keys">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Role</th>
                  <th scope="col">Key starts with</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">State</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {keys.data.keys.map((k) => (
                  <tr key={k.id} data-testid="key-row" className={k.revokedAt ? 'revoked' : undefined}>
                    <td>
                      {k.name}
                      {me?.actor === `key:${k.id}` ? <span className="muted"> (you)</span> : null}
                    </td>
                    <td>
                      {k.revokedAt ? (
                        k.role
                      ) : (
                        <select
                          aria-label={`Role of ${k.name}`}
                          value={k.role}
                          disabled={setRole.isPending}
                          onChange={(e) => setRole.mutate({ k, role: e.target.value as Role })}
                        >
                          {ROLES.map((r) => (
                            <option key={r} value={r}>
                              {r}
                            </option>
                          ))}
                        </select>
                      )}
                    </td>
                    <td className="mono">{k.prefix}…</td>
                    <td>{when(k.createdAt)}</td>
                    <td>{k.lastUsedAt ? when(k.lastUsedAt) : <span className="muted">never</span>}</td>
                    <td>
                      {k.revokedAt ? (
                        <span className="badge s-failed" title={when(k.revokedAt)}>
                          revoked {new Date(k.revokedAt).toLocaleDateString()}
                        </span>
                      ) : (
                        <span className="badge s-active">active</span>
                      )}
                    </td>
                    <td>
                      {k.revokedAt ? null : (
                        <button
                          type="button"
                          className="danger"
                          aria-label={`Revoke ${k.name}…`}
                          onClick={() => setRevoking(k)}
                        >
                          Revoke…
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
      {revoking ? (
        <Confirm
          title={`Revoke the key "${revoking.name}"?`}
          confirmLabel="Revoke"
          onCancel={() => setRevoking(undefined)}
          onConfirm={() => revoke.mutate(revoking)}
        >
          <p>
            Whoever uses it ({revoking.role}, {revoking.prefix}…) is refused from their next call, their logins end and
            their live streams close now. This cannot be undone: make a new key if they need access again.
          </p>
          {me?.actor === `key:${revoking.id}` ? (
            <p className="error">This is the key you are signed in with: you will be signed out.</p>
          ) : null}
        </Confirm>
      ) : null}
    </section>
  );
}

function CreateKey({ onCreated }: { onCreated: (k: ApiKey) => void }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [made, setMade] = useState<(ApiKey & { key: string }) | undefined>();
  const [copied, setCopied] = useState<string | undefined>();
  const secret = useRef<HTMLInputElement>(null);
  const create = useMutation({
    mutationFn: () => api<ApiKey & { key: string }>('/keys', { method: 'POST', body: { name: name.trim(), role } }),
    onSuccess: (k) => {
      setMade(k);
      setCopied(undefined);
      setName('');
      onCreated(k);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  const copy = async () => {
    if (!made) return;
    try {
      await navigator.clipboard.writeText(made.key);
      setCopied('Copied to the clipboard.');
    } catch {
      // No clipboard (an insecure origin, or permission refused): select it for Ctrl+C.
      secret.current?.select();
      setCopied('The browser refused the clipboard: the key is selected, press Ctrl+C (⌘C) to copy it.');
    }
  };
  return (
    <>
      <form className="filters" onSubmit={submit} aria-label="Create a key">
        <label>
          Name
          <input
            value={name}
            onChange={(e) => setName(e.target.value)}
            required
            maxLength={200}
            placeholder="who uses it, e.g. ci"
          />
        </label>
        <label>
          Role
          <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary" disabled={create.isPending || !name.trim()}>
          {create.isPending ? 'Creating…' : 'Create key'}
        </button>
      </form>
      {create.error ? <ErrorBox error={create.error} /> : null}
      {made ? (
        <div className="new-key" role="region" aria-labelledby="new-key-title">
          <h3 id="new-key-title">New key for {made.name}</h3>
          <p>
            <strong>Copy it now: it will not be shown again.</strong> Only its first characters are kept; if it is lost,
            revoke it and make another.
          </p>
          <div className="row">
            <label htmlFor="new-key-value" className="sr-only">
              The new key
            </label>
            <input
              id="new-key-value"
              ref={secret}
              className="mono"
              readOnly
              value={made.key}
              onFocus={(e) => e.target.select()}
              data-testid="new-key"
            />
            <button type="button" onClick={() => void copy()}>
              Copy
            </button>
            <button type="button" onClick={() => setMade(undefined)}>
              Done
            </button>
          </div>
          {copied ? (
            <p role="status" className="muted">
              {copied}
            </p>
          ) : null}
        </div>
      ) : null}
    </>
  );
}

interface AuditFilters {
  actor: string;
  action: string;
  outcome: string;
  status: string;
  target: string;
  from: string;
  to: string;
}
const NO_FILTERS: AuditFilters = { actor: '', action: '', outcome: '', status: '', target: '', from: '', to: '' };

/** A datetime-local value (the browser's time zone) as the ISO time the API takes. */
const isoOf = (local: string) => {
  const t = new Date(local);
  return Number.isNaN(t.getTime()) ? local : t.toISOString();
};

function AuditLog() {
  const [pageSize] = usePageSize();
  const [draft, setDraft] = useState<AuditFilters>(NO_FILTERS);
  const [filters, setFilters] = useState<AuditFilters>(NO_FILTERS);
  // Cursors of the pages before this one (the server pages forward; Previous pops).
  const [cursors, setCursors] = useState<string[]>([]);
  const actions = useQuery({
    queryKey: ['audit-actions'],
    queryFn: () => api<{ actions: string[] }>('/audit/actions'),
    staleTime: Infinity,
  });
  const query = new URLSearchParams({ limit: String(pageSize) });
  for (const [k, v] of Object.entries(filters)) if (v) query.set(k, k === 'from' || k === 'to' ? isoOf(v) : v.trim());
  const cursor = cursors[cursors.length - 1];
  if (cursor) query.set('cursor', cursor);
  const log = useQuery({
    queryKey: ['audit', query.toString()],
    queryFn: () => api<{ entries: AuditRow[]; nextCursor?: string }>(`/audit?${query}`),
    placeholderData: keepPreviousData,
  });
  // Live: rows written anywhere announce themselves on `audit` (counts only); the first page is read
  // again, at most once a second while calls keep coming. Later pages stay as they are while read.
  const client = useQueryClient();
  const pending = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(pending.current), []);
  useLive('audit', () => {
    if (cursor || pending.current !== undefined) return;
    pending.current = window.setTimeout(() => {
      pending.current = undefined;
      void client.invalidateQueries({ queryKey: ['audit'] });
    }, 1_000);
  });
  const apply = (next: AuditFilters) => {
    setFilters(next);
    setCursors([]);
  };
  const field = (k: keyof AuditFilters) => ({
    value: draft[k],
    onChange: (e: { target: { value: string } }) => setDraft({ ...draft, [k]: e.target.value }),
  });
  const filtered = Object.values(filters).some(Boolean);
  return (
    <section className="card" aria-labelledby="audit-title">
      <div className="head">
        <h2 id="audit-title">Audit log</h2>
        <button type="button" onClick={() => void log.refetch()} disabled={log.isFetching}>
          {log.isFetching ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      <p className="muted">
        Every call that changes something (POST, PUT, DELETE), whatever its outcome, newest first.
      </p>
      <form
        className="filters audit-filters"
        role="search"
        aria-label="Filter the audit log"
        onSubmit={(e) => {
          e.preventDefault();
          apply(draft);
        }}
      >
        <label>
          Actor
          <input {...field('actor')} placeholder="key name, key:<id>, local…" />
        </label>
        <label>
          Action
          <select {...field('action')}>
            <option value="">any</option>
            {(actions.data?.actions ?? []).map((a) => (
              <option key={a} value={a}>
                {a.replace('/api/claude-flow', '')}
              </option>
            ))}
          </select>
        </label>
        <label>
          Path starts with
          <input {...field('target')} placeholder="/api/claude-flow/keys/" />
        </label>
        <label>
          Outcome
          <select {...field('outcome')}>
            <option value="">any</option>
            <option value="ok">succeeded (below 400)</option>
            <option value="failed">failed (400 and up)</option>
          </select>
        </label>
        <label>
          Status
          <input {...field('status')} placeholder="403 or 4xx" size={8} />
        </label>
        <label>
          From
          <input type="datetime-local" {...field('from')} />
        </label>
        <label>
          To
          <input type="datetime-local" {...field('to')} />
        </label>
        <div className="row">
          <button type="submit" className="primary">
            Apply filters
          </button>
          <button
            type="button"
            disabled={!filtered && !Object.values(draft).some(Boolean)}
            onClick={() => {
              setDraft(NO_FILTERS);
              apply(NO_FILTERS);
            }}
          >
            Clear
          </button>
        </div>
      </form>
      {actions.error ? <ErrorBox error={actions.error} /> : null}
      {log.error ? <ErrorBox error={log.error} action={<p>Correct the filter it names, then apply again.</p>} /> : null}
      {log.data && log.data.entries.length === 0 ? (
        <p className="muted">{filtered ? 'No calls match these filters.' : 'Nothing recorded yet.'}</p>
      ) : null}
      {log.data && log.data.entries.length > 0 ? (
        // Focusable, so a keyboard scrolls it sideways on a narrow screen (its rows hold no links).
        <div className="scroll" tabIndex={0} role="region" aria-label="Audit log entries">
          <table className="audit">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Path</th>
                <th scope="col" className="num">
                  Status
                </th>
                <th scope="col">From</th>
              </tr>
            </thead>
            <tbody>
              {log.data.entries.map((e) => (
                <tr key={e.id} data-testid="audit-row">
                  <td>{when(e.at)}</td>
                  <td>
                    {e.actorName ?? e.actor}
                    {e.actorName && e.actorName !== e.actor ? <span className="mono muted"> {e.actor}</span> : null}
                  </td>
                  <td className="mono action">{e.action.replace('/api/claude-flow', '')}</td>
                  <td className="mono">{e.target.replace('/api/claude-flow', '')}</td>
                  <td className={`num ${e.status >= 400 ? 'failed' : 'ok'}`}>{e.status}</td>
                  <td className="mono ip" title={e.requestId ? `request ${e.requestId}` : undefined}>
                    {e.ip ?? '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {log.data && (cursors.length > 0 || log.data.nextCursor) ? (
        <nav className="pager" aria-label="Audit log pages">
          <button type="button" disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
            Previous
          </button>
          <span>Page {cursors.length + 1}</span>
          <button
            type="button"
            disabled={!log.data.nextCursor}
            onClick={() => log.data?.nextCursor && setCursors((c) => [...c, log.data.nextCursor as string])}
          >
            Next
          </button>
          <PageSize />
        </nav>
      ) : (
        <div className="pager">
          <PageSize />
        </div>
      )}
    </section>
  );
}
