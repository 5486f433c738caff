// Memory: namespaces as a tree with entry counts (GET /memory/namespaces), the entries of one
// (paged by cursor), ranked search with the matching words marked, and an entry: its value, tags,
// metadata, expiry, provenance and kept versions with a line diff between two of them. Create and
// edit send expectedVersion, so an edit that lost a race shows the 409 with both values; delete.
// Everything re-reads on memory.set / memory.delete events on memory:<namespace>.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Fragment, useContext, useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { ApiError, api, count, plural, when } from '../api';
import { useLive } from '../live';
import { PageSize, useLastFilters, usePageSize } from '../prefs';
import { Confirm, ErrorBox, MeContext, useCan } from '../ui';

interface Provenance {
  sessionId?: string;
  workflowId?: string;
  user?: string;
  rollbackOf?: string;
  forkOf?: string;
}
interface EntryInfo {
  namespace: string;
  key: string;
  valueType: 'json' | 'text';
  tags: string[];
  metadata: Record<string, unknown>;
  version: number;
  expiresAt: string | null;
  provenance: Provenance;
  size: number;
  sealed: boolean;
  withheld?: true;
  createdAt: string;
  updatedAt: string;
}
interface Entry extends EntryInfo {
  value?: unknown;
}
interface Version extends Omit<Entry, 'createdAt' | 'updatedAt'> {
  writtenAt: string;
}
interface Hit extends EntryInfo {
  score: number;
  snippet: string | null;
}
interface NamespaceStats {
  namespace: string;
  entries: number;
  sealed: boolean;
}

/** What Memory remembers for the next visit (in this browser): the namespace and the search. */
const FILTERS = ['ns', 'q'];

/** An entry's path under /memory/entries or /memory/versions: the namespace, then the key (a `/` in it as %2F). */
const entryPath = (kind: 'entries' | 'versions', ns: string, key: string) =>
  `/memory/${kind}/${ns
    .split('/')
    .filter(Boolean)
    .map((s) => `${encodeURIComponent(s)}/`)
    .join('')}${encodeURIComponent(key)}`;

/** A value as readable text: JSON pretty-printed, text as is. */
const show = (value: unknown, type: 'json' | 'text' = 'json') =>
  type === 'text' && typeof value === 'string' ? value : JSON.stringify(value, null, 2);

export function Memory() {
  const [, navigate] = useLocation();
  const params = new URLSearchParams(useSearch());
  const ns = params.get('ns') ?? '';
  const key = params.get('key');
  const entryNs = params.get('in') ?? ns;
  const q = params.get('q') ?? '';
  const client = useQueryClient();
  const [creating, setCreating] = useState(false);
  const [gone, setGone] = useState<string | undefined>();
  const canWrite = useCan('operator');
  useLastFilters('memory', '/memory', FILTERS);

  const go = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    navigate(`/memory${next.size ? `?${next}` : ''}`, { replace: !('ns' in changes) });
  };

  useLive(`memory:${ns}`, (e) => {
    void client.invalidateQueries({ queryKey: ['memory-ns'] });
    void client.invalidateQueries({ queryKey: ['memory-list'] });
    void client.invalidateQueries({ queryKey: ['memory-search'] });
    const d = e.data as { namespace?: string; key?: string };
    if (!d.namespace || !d.key) return;
    // The open entry deleted (here or elsewhere): say so, rather than read it again for a 404.
    if (e.type === 'memory.delete') {
      if (d.namespace === entryNs && d.key === key) setGone(`${d.namespace}${d.key}`);
      return;
    }
    if (gone === `${d.namespace}${d.key}`) setGone(undefined);
    void client.invalidateQueries({ queryKey: ['memory-entry', d.namespace, d.key] });
  });

  const namespaces = useQuery({
    queryKey: ['memory-ns'],
    queryFn: () => api<{ namespaces: NamespaceStats[] }>('/memory/namespaces'),
  });

  return (
    <>
      <div className="head">
        <h1>Memory</h1>
        {canWrite && !creating ? (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            New entry
          </button>
        ) : null}
      </div>
      {creating ? (
        <section className="card" aria-labelledby="new-title">
          <h2 id="new-title">New entry</h2>
          <EntryForm
            namespace={ns}
            onCancel={() => setCreating(false)}
            onSaved={(saved) => {
              setCreating(false);
              go({ key: saved.key, in: saved.namespace });
            }}
          />
        </section>
      ) : null}
      <div className="mem">
        <nav className="card tree" aria-labelledby="ns-title">
          <h2 id="ns-title">Namespaces</h2>
          {namespaces.error ? <ErrorBox error={namespaces.error} /> : null}
          {namespaces.data ? (
            <Tree
              stats={namespaces.data.namespaces}
              selected={ns}
              onSelect={(n) => go({ ns: n, key: null, in: null })}
            />
          ) : (
            <p className="muted">Loading…</p>
          )}
        </nav>
        <div className="mem-main">
          <Search ns={ns} q={q} onSearch={(v) => go({ q: v })} onOpen={(h) => go({ key: h.key, in: h.namespace })} />
          {q ? null : (
            <Entries
              ns={ns}
              sealed={!!namespaces.data?.namespaces.some((n) => n.sealed && n.namespace.startsWith(ns) && ns !== '')}
              selected={key ? `${entryNs}${key}` : undefined}
              onOpen={(e) => go({ key: e.key, in: e.namespace })}
            />
          )}
        </div>
        {key ? (
          <EntryView
            key={`${entryNs}${key}`}
            ns={entryNs}
            entryKey={key}
            deleted={gone === `${entryNs}${key}`}
            onClose={() => go({ key: null, in: null })}
            onDeleted={() => go({ key: null, in: null })}
          />
        ) : null}
      </div>
    </>
  );
}

interface Node {
  name: string;
  path: string;
  own: number;
  total: number;
  sealed: boolean;
  children: Node[];
}

function buildTree(stats: NamespaceStats[]): Node {
  const root: Node = { name: 'All namespaces', path: '', own: 0, total: 0, sealed: false, children: [] };
  for (const s of stats) {
    let node = root;
    node.total += s.entries;
    let path = '';
    for (const seg of s.namespace.split('/').filter(Boolean)) {
      path += `${seg}/`;
      let child = node.children.find((c) => c.path === path);
      if (!child) {
        child = { name: `${seg}/`, path, own: 0, total: 0, sealed: false, children: [] };
        node.children.push(child);
      }
      child.total += s.entries;
      node = child;
    }
    node.own = s.entries;
    node.sealed = s.sealed;
  }
  return root;
}

function Tree({
  stats,
  selected,
  onSelect,
}: {
  stats: NamespaceStats[];
  selected: string;
  onSelect: (ns: string) => void;
}) {
  const root = buildTree(stats);
  const item = (n: Node): ReactNode => (
    <li key={n.path || '/'}>
      <button
        type="button"
        className="link node"
        aria-current={n.path === selected ? 'true' : undefined}
        onClick={() => onSelect(n.path)}
      >
        <span className="mono">{n.name}</span> <span className="muted">{count(n.total)}</span>
        <span className="sr-only"> {n.total === 1 ? 'entry' : 'entries'}</span>
        {n.sealed ? <span className="badge sealed">sealed</span> : null}
      </button>
      {n.children.length ? <ul>{n.children.map(item)}</ul> : null}
    </li>
  );
  if (stats.length === 0) return <p className="muted">No entries yet.</p>;
  return <ul className="ns-tree">{item(root)}</ul>;
}

/** A search snippet with its `<b>` marks as <mark> elements: split on the marks, never parsed as HTML. */
export function Snippet({ text }: { text: string }) {
  const parts = text.split(/<\/?b>/);
  return <>{parts.map((p, i) => (i % 2 ? <mark key={i}>{p}</mark> : <Fragment key={i}>{p}</Fragment>))}</>;
}

function Search({
  ns,
  q,
  onSearch,
  onOpen,
}: {
  ns: string;
  q: string;
  onSearch: (q: string) => void;
  onOpen: (h: Hit) => void;
}) {
  const [text, setText] = useState(q);
  const query = new URLSearchParams({ q, limit: '50' });
  if (ns) query.set('namespace', ns);
  const result = useQuery({
    queryKey: ['memory-search', query.toString()],
    queryFn: () => api<{ mode: string; hits: Hit[]; note?: string }>(`/memory/search?${query}`),
    enabled: !!q,
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSearch(text.trim());
  };
  return (
    <section className="card" aria-labelledby="search-title">
      <h2 id="search-title">{q ? 'Search results' : 'Search'}</h2>
      <form className="row" role="search" onSubmit={submit}>
        <label htmlFor="memory-q" className="sr-only">
          Search memory
        </label>
        <input
          id="memory-q"
          type="search"
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder={`Search ${ns || 'all namespaces'}`}
        />
        <button type="submit">Search</button>
        {q ? (
          <button
            type="button"
            onClick={() => {
              setText('');
              onSearch('');
            }}
          >
            Clear
          </button>
        ) : null}
      </form>
      {result.error ? <ErrorBox error={result.error} /> : null}
      {result.data ? (
        <>
          <p className="muted">
            {plural(result.data.hits.length, 'match', 'matches')} ({result.data.mode} search)
            {result.data.note ? ` · ${result.data.note}` : ''}
          </p>
          <ol className="plain hits">
            {result.data.hits.map((h) => (
              <li key={`${h.namespace}${h.key}`} data-testid="hit">
                <button type="button" className="link" onClick={() => onOpen(h)}>
                  <span className="mono">
                    {h.namespace}
                    {h.key}
                  </span>
                </button>{' '}
                <span className="muted">score {h.score.toFixed(3)}</span>
                {h.withheld ? <span className="badge sealed">sealed — withheld</span> : null}
                {h.snippet ? (
                  <p className="snippet">
                    <Snippet text={h.snippet} />
                  </p>
                ) : null}
              </li>
            ))}
          </ol>
        </>
      ) : null}
    </section>
  );
}

function Entries({
  ns,
  sealed,
  selected,
  onOpen,
}: {
  ns: string;
  sealed: boolean;
  selected?: string;
  onOpen: (e: Entry) => void;
}) {
  const admin = useContext(MeContext)?.role === 'admin';
  const [PAGE] = usePageSize();
  // Cursors of the pages before this one (cursor paging goes forward; Previous pops).
  const [cursors, setCursors] = useState<string[]>([]);
  const [shownNs, setShownNs] = useState(ns);
  if (shownNs !== ns) {
    setShownNs(ns);
    setCursors([]);
  }
  const cursor = cursors[cursors.length - 1];
  const query = new URLSearchParams({ limit: String(PAGE) });
  if (ns) query.set('namespace', ns);
  if (cursor) query.set('cursor', cursor);
  const blocked = sealed && !admin;
  const list = useQuery({
    queryKey: ['memory-list', query.toString()],
    queryFn: () => api<{ entries: Entry[]; nextCursor?: string }>(`/memory/entries?${query}`),
    placeholderData: keepPreviousData,
    enabled: !blocked,
  });
  return (
    <section className="card" aria-labelledby="entries-title">
      <h2 id="entries-title">
        Entries in <span className="mono">{ns || 'all namespaces'}</span>
      </h2>
      {blocked ? (
        <p className="notice">
          <span className="badge sealed">sealed — withheld</span> This namespace is sealed: only an admin reads its
          entries. Its keys and tags appear under All namespaces and in search.
        </p>
      ) : null}
      {list.error ? <ErrorBox error={list.error} /> : null}
      {list.data && list.data.entries.length === 0 ? <p className="muted">No entries here.</p> : null}
      {list.data && list.data.entries.length > 0 && !blocked ? (
        <div className="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Tags</th>
                <th scope="col" className="num">
                  Version
                </th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {list.data.entries.map((e) => (
                <tr
                  key={`${e.namespace}${e.key}`}
                  data-testid="entry-row"
                  className={selected === `${e.namespace}${e.key}` ? 'selected' : undefined}
                >
                  <td>
                    <button type="button" className="link mono" onClick={() => onOpen(e)}>
                      {e.namespace === ns ? '' : e.namespace}
                      {e.key}
                    </button>
                    {e.withheld ? <span className="badge sealed">sealed — withheld</span> : null}
                    {e.sealed && !e.withheld ? <span className="badge sealed">sealed</span> : null}
                  </td>
                  <td>{e.tags.join(', ') || '—'}</td>
                  <td className="num">{e.version}</td>
                  <td>{when(e.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {list.data && !blocked && (cursors.length > 0 || list.data.nextCursor) ? (
        <nav className="pager" aria-label="Entry pages">
          <button type="button" disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
            Previous
          </button>
          <span>Page {cursors.length + 1}</span>
          <button
            type="button"
            disabled={!list.data.nextCursor}
            onClick={() => list.data?.nextCursor && setCursors((c) => [...c, list.data.nextCursor as string])}
          >
            Next
          </button>
          <PageSize />
        </nav>
      ) : null}
    </section>
  );
}

function EntryView({
  ns,
  entryKey,
  deleted,
  onClose,
  onDeleted,
}: {
  ns: string;
  entryKey: string;
  deleted: boolean;
  onClose: () => void;
  onDeleted: () => void;
}) {
  const me = useContext(MeContext);
  const canWrite = useCan('operator');
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  // Opening an entry moves the focus to it (keyboard and screen-reader users land on what they chose).
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const entry = useQuery({
    queryKey: ['memory-entry', ns, entryKey],
    queryFn: () => api<Entry>(entryPath('entries', ns, entryKey)),
    retry: false,
  });
  const remove = useMutation({
    mutationFn: (version: number) =>
      api(`${entryPath('entries', ns, entryKey)}?expectedVersion=${version}`, { method: 'DELETE' }),
    onSuccess: onDeleted,
  });
  const e = deleted ? undefined : entry.data;
  const mayChange = canWrite && !!e && (!e.sealed || me?.role === 'admin');
  return (
    <section className="card entry" aria-labelledby="entry-title">
      <div className="head">
        <h2 id="entry-title" className="mono" ref={heading} tabIndex={-1}>
          {ns}
          {entryKey}
        </h2>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      {deleted ? (
        <p className="notice" role="status">
          This entry has just been deleted.
        </p>
      ) : null}
      {entry.error ? (
        <ErrorBox
          error={entry.error}
          action={
            entry.error instanceof ApiError && entry.error.status === 403 ? (
              <p>
                <span className="badge sealed">sealed — withheld</span> Only an admin reads sealed entries.
              </p>
            ) : null
          }
        />
      ) : null}
      {!e && !entry.error && !deleted ? <p className="muted">Loading…</p> : null}
      {e && !editing ? (
        <>
          <p className="muted">
            version {e.version} · {e.valueType} · {plural(e.size, 'byte', 'bytes')}
            {e.sealed ? (
              <>
                {' '}
                · <span className="badge sealed">{e.withheld ? 'sealed — withheld' : 'sealed'}</span>
              </>
            ) : null}
          </p>
          {mayChange ? (
            <div className="controls">
              <button type="button" onClick={() => setEditing(true)}>
                Edit
              </button>
              <button type="button" className="danger" onClick={() => setDeleting(true)} disabled={remove.isPending}>
                Delete
              </button>
            </div>
          ) : null}
          {remove.error ? <ErrorBox error={remove.error} /> : null}
          <h3>Value</h3>
          {e.withheld ? (
            <p className="muted">Sealed — withheld: the value and metadata are readable by admins only.</p>
          ) : (
            <pre className="value" data-testid="entry-value" tabIndex={0} aria-label="Value">
              {show(e.value, e.valueType)}
            </pre>
          )}
          <dl className="facts">
            <dt>Tags</dt>
            <dd>
              {e.tags.length
                ? e.tags.map((t) => (
                    <span key={t} className="badge">
                      {t}
                    </span>
                  ))
                : '—'}
            </dd>
            <dt>Metadata</dt>
            <dd>
              {e.withheld ? (
                'withheld'
              ) : Object.keys(e.metadata).length ? (
                <pre>{JSON.stringify(e.metadata, null, 2)}</pre>
              ) : (
                '—'
              )}
            </dd>
            <dt>Expires</dt>
            <dd>{e.expiresAt ? when(e.expiresAt) : 'never'}</dd>
            <dt>Provenance</dt>
            <dd>
              <ProvenanceText p={e.provenance} />
            </dd>
            <dt>Written</dt>
            <dd>
              created {when(e.createdAt)}, updated {when(e.updatedAt)}
            </dd>
          </dl>
          <Versions ns={ns} entryKey={entryKey} current={e.version} />
        </>
      ) : null}
      {e && editing ? (
        <EntryForm namespace={ns} existing={e} onCancel={() => setEditing(false)} onSaved={() => setEditing(false)} />
      ) : null}
      {deleting && e ? (
        <Confirm
          title={`Delete ${e.namespace}${e.key}?`}
          confirmLabel="Delete"
          onCancel={() => setDeleting(false)}
          onConfirm={() => {
            setDeleting(false);
            remove.mutate(e.version);
          }}
        >
          <p>
            Deletes version {e.version} and its kept history. A session checkpoint taken before still restores it on a
            rollback.
          </p>
        </Confirm>
      ) : null}
    </section>
  );
}

function ProvenanceText({ p }: { p: Provenance }) {
  const parts: ReactNode[] = [];
  if (p.user) parts.push(<Fragment key="u">by {p.user}</Fragment>);
  if (p.sessionId)
    parts.push(
      <Fragment key="s">
        session <Link href={`/sessions/${p.sessionId}`}>{p.sessionId.slice(0, 8)}</Link>
      </Fragment>,
    );
  if (p.workflowId)
    parts.push(
      <Fragment key="w">
        workflow <span className="mono">{p.workflowId}</span>
      </Fragment>,
    );
  if (p.rollbackOf)
    parts.push(
      <Fragment key="r">
        restored by a rollback to checkpoint <span className="mono">{p.rollbackOf}</span>
      </Fragment>,
    );
  if (p.forkOf)
    parts.push(
      <Fragment key="f">
        seeded by a fork of checkpoint <span className="mono">{p.forkOf}</span>
      </Fragment>,
    );
  if (parts.length === 0) return <>—</>;
  return (
    <>
      {parts.map((x, i) => (
        <Fragment key={i}>
          {i ? ' · ' : ''}
          {x}
        </Fragment>
      ))}
    </>
  );
}

type DiffLine = { kind: ' ' | '+' | '-'; text: string };

/** A line diff (longest common subsequence), enough for the values memory keeps. */
export function lineDiff(a: string, b: string): DiffLine[] {
  const x = a.split('\n');
  const y = b.split('\n');
  if (x.length * y.length > 4_000_000)
    return [...x.map((t) => ({ kind: '-' as const, text: t })), ...y.map((t) => ({ kind: '+' as const, text: t }))];
  const n = x.length;
  const m = y.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) {
      out.push({ kind: ' ', text: x[i] });
      i++;
      j++;
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) out.push({ kind: '-', text: x[i++] });
    else out.push({ kind: '+', text: y[j++] });
  }
  while (i < n) out.push({ kind: '-', text: x[i++] });
  while (j < m) out.push({ kind: '+', text: y[j++] });
  return out;
}

function Versions({ ns, entryKey, current }: { ns: string; entryKey: string; current: number }) {
  const versions = useQuery({
    queryKey: ['memory-entry', ns, entryKey, 'versions', current],
    queryFn: () => api<{ versions: Version[] }>(entryPath('versions', ns, entryKey)),
  });
  const list = versions.data?.versions ?? [];
  const [from, setFrom] = useState<number | undefined>();
  const [to, setTo] = useState<number | undefined>();
  const a = list.find((v) => v.version === from) ?? list[1];
  const b = list.find((v) => v.version === to) ?? list[0];
  return (
    <section aria-labelledby="versions-title">
      <h3 id="versions-title">Versions</h3>
      {versions.error ? <ErrorBox error={versions.error} /> : null}
      <ol className="timeline">
        {list.map((v) => (
          <li key={v.version}>
            <strong>version {v.version}</strong>
            <span className="muted">
              {' '}
              · {when(v.writtenAt)} · <ProvenanceText p={v.provenance} />
            </span>
          </li>
        ))}
      </ol>
      {list.length > 1 && a && b ? (
        <>
          <div className="filters">
            {(
              [
                ['Compare', a.version, setFrom],
                ['with', b.version, setTo],
              ] as const
            ).map(([label, value, set]) => (
              <label key={label}>
                {label}
                <select value={value} onChange={(e) => set(Number(e.target.value))}>
                  {list.map((v) => (
                    <option key={v.version} value={v.version}>
                      version {v.version}
                    </option>
                  ))}
                </select>
              </label>
            ))}
          </div>
          {a.withheld || b.withheld ? (
            <p className="muted">Sealed — withheld: no diff of values you may not read.</p>
          ) : (
            <pre
              className="diff"
              data-testid="diff"
              tabIndex={0}
              aria-label={`Changes from version ${a.version} to ${b.version}`}
            >
              {lineDiff(show(a.value, a.valueType), show(b.value, b.valueType)).map((l, i) => (
                <span key={i} className={l.kind === '+' ? 'add' : l.kind === '-' ? 'del' : undefined}>
                  {l.kind} {l.text}
                  {'\n'}
                </span>
              ))}
            </pre>
          )}
        </>
      ) : null}
    </section>
  );
}

/** The write a form describes, or the problem with it (a 400-style ApiError raised before sending). */
function parseForm(f: {
  value: string;
  valueType: 'json' | 'text';
  tags: string;
  metadata: string;
  expiresAt: string;
}) {
  let value: unknown = f.value;
  if (f.valueType === 'json') {
    try {
      value = JSON.parse(f.value);
    } catch (err) {
      throw new ApiError(0, 'The value is not JSON', `${(err as Error).message}: fix it, or choose the type "text".`);
    }
  }
  let metadata: Record<string, unknown> = {};
  if (f.metadata.trim()) {
    try {
      metadata = JSON.parse(f.metadata) as Record<string, unknown>;
    } catch (err) {
      throw new ApiError(
        0,
        'The metadata is not JSON',
        `${(err as Error).message}: write a JSON object, or leave it empty.`,
      );
    }
  }
  const tags = f.tags
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const expiresAt = f.expiresAt.trim() ? new Date(f.expiresAt).toISOString() : undefined;
  return { value, valueType: f.valueType, tags, metadata, ...(expiresAt ? { expiresAt } : {}) };
}

/** A local datetime-local value for an ISO time. */
const localInput = (iso: string | null) => {
  if (!iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

function EntryForm({
  namespace,
  existing,
  onCancel,
  onSaved,
}: {
  namespace: string;
  existing?: Entry;
  onCancel: () => void;
  onSaved: (saved: { namespace: string; key: string }) => void;
}) {
  const me = useContext(MeContext);
  const client = useQueryClient();
  const id = useId();
  const [ns, setNs] = useState(existing?.namespace ?? namespace);
  const [key, setKey] = useState(existing?.key ?? '');
  const [valueType, setValueType] = useState<'json' | 'text'>(existing?.valueType ?? 'text');
  const [value, setValue] = useState(existing ? show(existing.value, existing.valueType) : '');
  const [tags, setTags] = useState(existing?.tags.join(', ') ?? '');
  const [metadata, setMetadata] = useState(
    existing && Object.keys(existing.metadata).length ? JSON.stringify(existing.metadata, null, 2) : '',
  );
  const [expiresAt, setExpiresAt] = useState(localInput(existing?.expiresAt ?? null));
  // The version this edit started from: a save sends it, so a write made meanwhile is a 409.
  const [base, setBase] = useState(existing?.version ?? 0);
  const [conflict, setConflict] = useState<{ detail: string; current?: Entry } | undefined>();
  const live = useQuery({
    queryKey: ['memory-entry', existing?.namespace ?? '', existing?.key ?? ''],
    queryFn: () => api<Entry>(entryPath('entries', existing?.namespace ?? '', existing?.key ?? '')),
    enabled: !!existing,
  });

  const save = useMutation({
    mutationFn: async (expectedVersion: number) => {
      const body = parseForm({ value, valueType, tags, metadata, expiresAt });
      const target = entryPath('entries', ns.endsWith('/') ? ns : `${ns}/`, key);
      return api<{ namespace: string; key: string; version: number }>(target, {
        method: 'PUT',
        body: { ...body, expectedVersion, ...(me ? { provenance: { user: me.name } } : {}) },
      });
    },
    onSuccess: async (saved) => {
      setConflict(undefined);
      await client.invalidateQueries({ queryKey: ['memory-entry', saved.namespace, saved.key] });
      void client.invalidateQueries({ queryKey: ['memory-list'] });
      void client.invalidateQueries({ queryKey: ['memory-ns'] });
      onSaved(saved);
    },
    onError: async (err) => {
      if (!(err instanceof ApiError) || err.status !== 409) return;
      const path = entryPath('entries', ns.endsWith('/') ? ns : `${ns}/`, key);
      const current = await api<Entry>(path).catch(() => undefined);
      setConflict({ detail: err.detail, current });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate(base);
  };
  const newer = existing && live.data && live.data.version > base ? live.data.version : undefined;
  return (
    <form className="entry-form" onSubmit={submit} aria-label={existing ? 'Edit entry' : 'New entry'}>
      {existing ? null : (
        <div className="filters">
          <label>
            Namespace
            <input value={ns} onChange={(e) => setNs(e.target.value)} required placeholder="notes/" />
          </label>
          <label>
            Key
            <input value={key} onChange={(e) => setKey(e.target.value)} required maxLength={512} />
          </label>
        </div>
      )}
      <div className="filters">
        <label>
          Type
          <select value={valueType} onChange={(e) => setValueType(e.target.value as 'json' | 'text')}>
            <option value="text">text</option>
            <option value="json">JSON</option>
          </select>
        </label>
        <label>
          <span>
            Tags <span className="muted">(comma-separated)</span>
          </span>
          <input value={tags} onChange={(e) => setTags(e.target.value)} />
        </label>
        <label>
          <span>
            Expires <span className="muted">(empty: never)</span>
          </span>
          <input type="datetime-local" value={expiresAt} onChange={(e) => setExpiresAt(e.target.value)} />
        </label>
      </div>
      <div className="block">
        <label htmlFor={`${id}-value`}>Value</label>
        <textarea
          id={`${id}-value`}
          rows={8}
          value={value}
          onChange={(e) => setValue(e.target.value)}
          className="mono"
        />
      </div>
      <div className="block">
        <label htmlFor={`${id}-metadata`}>
          Metadata <span className="muted">(a JSON object, optional)</span>
        </label>
        <textarea
          id={`${id}-metadata`}
          rows={3}
          value={metadata}
          onChange={(e) => setMetadata(e.target.value)}
          className="mono"
        />
      </div>
      {newer && !conflict ? (
        <p className="notice" role="status">
          Version {newer} was saved while you were editing (you started from version {base}); saving will show both.
        </p>
      ) : null}
      {conflict ? (
        <div className="error conflict" role="alert">
          <strong>Conflict</strong> <span className="muted">(HTTP 409)</span>
          <p>{conflict.detail}</p>
          <div className="both">
            <div>
              <h3>Yours (not saved)</h3>
              <pre data-testid="conflict-mine">{value}</pre>
            </div>
            <div>
              <h3>Current{conflict.current ? ` (version ${conflict.current.version})` : ''}</h3>
              <pre data-testid="conflict-current">
                {conflict.current ? show(conflict.current.value, conflict.current.valueType) : 'deleted'}
              </pre>
            </div>
          </div>
          <div className="row">
            <button
              type="button"
              className="danger"
              onClick={() => {
                const v = conflict.current?.version ?? 0;
                setBase(v);
                save.mutate(v);
              }}
            >
              Save mine over {conflict.current ? `version ${conflict.current.version}` : 'the deletion'}
            </button>
            <button
              type="button"
              onClick={() => {
                setConflict(undefined);
                if (conflict.current) {
                  onCancel();
                  void client.invalidateQueries({ queryKey: ['memory-entry', ns, key] });
                } else setBase(0);
              }}
            >
              {conflict.current ? 'Keep the current one' : 'Keep editing'}
            </button>
          </div>
        </div>
      ) : null}
      {save.error && !(save.error instanceof ApiError && save.error.status === 409) ? (
        <ErrorBox error={save.error} />
      ) : null}
      <div className="row end">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={save.isPending || !key.trim() || !ns.trim()}>
          {save.isPending ? 'Saving…' : existing ? `Save (from version ${base})` : 'Create'}
        </button>
      </div>
    </form>
  );
}
