// The designer's versions panel (#16): every text a definition had (each save through the API, each
// change on disk the watcher saw), who made it and when; the line diff between any two (jsdiff's
// diffLines), and restoring one — itself a new version, written with the hash the editor read the
// file at, so a change made meanwhile is a 409, not lost.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { diffLines } from 'diff';
import { useEffect, useMemo, useState } from 'react';
import { api, when } from '../api';
import { ErrorBox } from '../ui';
import { Dialog, versionWhat, type Version, type VersionSummary } from './designer-run';

const D = '/workflows/definitions';
/** The editor's text, as a side of the diff. */
const EDITOR = 'editor';

function useVersionText(name: string, id: string | undefined) {
  return useQuery({
    queryKey: ['definition-version-text', name, id],
    enabled: id !== undefined && id !== EDITOR,
    staleTime: Infinity,
    queryFn: () => api<Version>(`${D}/${encodeURIComponent(name)}/versions/${id as string}`),
  });
}

export interface Restored {
  text: string;
  hash: string;
}

export function VersionsDialog({
  name,
  editorText,
  baseHash,
  dirty,
  canRestore,
  onRestored,
  onClose,
}: {
  name: string;
  editorText: string;
  baseHash: string;
  dirty: boolean;
  canRestore: boolean;
  onRestored: (r: Restored) => void;
  onClose: () => void;
}) {
  const client = useQueryClient();
  const path = `${D}/${encodeURIComponent(name)}`;
  const list = useQuery({
    queryKey: ['definition-versions', name],
    queryFn: () => api<{ versions: VersionSummary[] }>(`${path}/versions?limit=200`),
    staleTime: 0,
  });
  const versions = useMemo(() => list.data?.versions ?? [], [list.data]);
  const [to, setTo] = useState<string | undefined>();
  const [from, setFrom] = useState<string>(EDITOR);
  // At first: the newest version against the one before it.
  useEffect(() => {
    if (to !== undefined || versions.length === 0) return;
    setTo(versions[0].id);
    setFrom(versions[1]?.id ?? EDITOR);
  }, [versions, to]);
  const a = useVersionText(name, from);
  const b = useVersionText(name, to);
  const aText = from === EDITOR ? editorText : a.data?.text;
  const bText = b.data?.text;
  const parts = useMemo(
    () => (aText !== undefined && bText !== undefined ? diffLines(aText, bText) : undefined),
    [aText, bText],
  );
  const restore = useMutation({
    mutationFn: (id: string) => api<Restored>(`${path}/versions/${id}/restore`, { method: 'POST', body: { baseHash } }),
    onSuccess: (r) => {
      void client.invalidateQueries({ queryKey: ['definition-versions', name] });
      void client.invalidateQueries({ queryKey: ['definitions'] });
      onRestored(r);
      onClose();
    },
  });
  const selected = versions.find((v) => v.id === to);
  const label = (v: VersionSummary) => `#${v.id} ${versionWhat(v)}, ${when(v.createdAt)}`;
  const added = parts?.filter((p) => p.added).reduce((n, p) => n + (p.count ?? 0), 0) ?? 0;
  const removed = parts?.filter((p) => p.removed).reduce((n, p) => n + (p.count ?? 0), 0) ?? 0;
  return (
    <Dialog title={`Versions of ${name}`} onClose={onClose} wide testId="dz-versions">
      {list.error ? <ErrorBox error={list.error} /> : null}
      {list.isPending ? <p className="muted">Loading…</p> : null}
      {list.data && versions.length === 0 ? (
        <p className="muted">No versions kept yet: the first save through the designer keeps the text as it was.</p>
      ) : null}
      {versions.length > 0 ? (
        <div className="dz-versions">
          <ol className="dz-version-list" aria-label="Versions, newest first">
            {versions.map((v) => (
              <li key={v.id}>
                <button
                  type="button"
                  className="plain"
                  aria-pressed={v.id === to}
                  data-testid="dz-version"
                  data-hash={v.hash}
                  onClick={() => {
                    setTo(v.id);
                    const i = versions.findIndex((x) => x.id === v.id);
                    setFrom(versions[i + 1]?.id ?? EDITOR);
                  }}
                >
                  <span className="mono">#{v.id}</span> {versionWhat(v)}{' '}
                  {v.hash === baseHash ? <span className="badge s-completed">current file</span> : null}
                  <br />
                  <span className="muted">{when(v.createdAt)}</span>
                </button>
              </li>
            ))}
          </ol>
          <div className="dz-version-diff">
            <div className="row">
              <label>
                Compare
                <select value={from} onChange={(e) => setFrom(e.target.value)} aria-label="Compare from">
                  <option value={EDITOR}>the editor&apos;s text{dirty ? ' (unsaved)' : ''}</option>
                  {versions.map((v) => (
                    <option key={v.id} value={v.id}>
                      {label(v)}
                    </option>
                  ))}
                </select>
              </label>
              <span>with {selected ? label(selected) : '—'}</span>
            </div>
            {a.error || b.error ? <ErrorBox error={a.error ?? b.error} /> : null}
            {parts ? (
              <>
                <p className="muted" data-testid="dz-diff-stat">
                  {added || removed
                    ? `${added} line${added === 1 ? '' : 's'} added, ${removed} removed`
                    : 'The same text'}
                </p>
                <pre className="diff dz-diff" tabIndex={0} data-testid="dz-diff" aria-label="Differences">
                  {parts.map((p, i) => (
                    <span key={i} className={p.added ? 'add' : p.removed ? 'del' : undefined}>
                      {p.added || p.removed ? (
                        <span className="sr-only">{p.added ? 'added: ' : 'removed: '}</span>
                      ) : null}
                      {p.value}
                    </span>
                  ))}
                </pre>
              </>
            ) : (
              <p className="muted">Loading the texts…</p>
            )}
            {restore.error ? <ErrorBox error={restore.error} /> : null}
            {canRestore && selected ? (
              <div className="row end">
                {dirty ? <span className="muted">Restoring replaces your unsaved edits.</span> : null}
                <button
                  type="button"
                  className="primary"
                  disabled={restore.isPending || selected.hash === baseHash}
                  onClick={() => restore.mutate(selected.id)}
                >
                  {selected.hash === baseHash ? 'This is the file now' : `Restore #${selected.id}`}
                </button>
              </div>
            ) : null}
          </div>
        </div>
      ) : null}
    </Dialog>
  );
}
