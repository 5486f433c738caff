// The visual workflow designer (#16): the list of custom workflow definitions
// (.claude-flow/workflows/*.yaml) and, for one of them, a split view — the YAML in a code editor
// (CodeMirror 6) beside its graph (xyflow). The text is the source of truth: every edit in the
// editor rebuilds the model (web/src/designer), the layout is redone only when the structure
// changes, and every visual edit (palette, toolbar, side panel) is dispatched to the editor as one
// transaction of the edit's text changes, so one undo stack serves both views. The server's
// checker (POST …/validate, debounced) gives the diagnostics; saving sends the hash the text was
// read at, and a 409 shows both versions. Loaded lazily (designer-route.tsx).
import '@xyflow/react/dist/style.css';
import './designer.css';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { yaml } from '@codemirror/lang-yaml';
import {
  bracketMatching,
  foldGutter,
  HighlightStyle,
  foldKeymap,
  indentOnInput,
  syntaxHighlighting,
} from '@codemirror/language';
import { tags as t } from '@lezer/highlight';
import { lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { EditorState, type Extension } from '@codemirror/state';
import {
  drawSelection,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
} from '@codemirror/view';
import {
  Background,
  Controls,
  Handle,
  Position,
  ReactFlow,
  type Edge,
  type Node,
  type NodeProps,
  type ReactFlowInstance,
} from '@xyflow/react';
import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { Link, useLocation } from 'wouter';
import { STEP_KINDS, type StepKind } from '../../../workflows/contract/custom-types';
import {
  addStep,
  buildModel,
  deleteStep,
  duplicateStep,
  EditError,
  isGroupKind,
  layoutCached,
  moveStep,
  readStep,
  removeField,
  setField,
  stepAt,
  stepRange,
  wrapSteps,
  type Change,
  type EditResult,
  type GraphModel,
  type Layout,
  type Where,
} from '../designer';
import { durationText, fieldsOf, type FieldSpec } from '../designer/forms';
import { ApiError, api, when } from '../api';
import { useLive } from '../live';
import { Confirm, ErrorBox, useCan } from '../ui';

const D = '/workflows/definitions';

interface Listed {
  name: string;
  file: string;
  hash: string;
  description?: string;
  steps: number;
  problems: number;
  updatedAt: string;
}
interface Problem {
  line: number;
  col: number;
  endLine: number;
  endCol: number;
  path: string;
  segments: (string | number)[];
  message: string;
  severity: 'error' | 'warning';
  source: string;
}
interface DefinitionFile {
  name: string;
  file: string;
  text: string;
  hash: string;
  updatedAt: string;
  valid: boolean;
  problems: Problem[];
}
interface Template {
  name: string;
  description?: string;
  text: string;
}

const EMPTY = (name: string) =>
  `name: ${name}\n# Steps run top to bottom; add them from the palette or write them here.\nsteps: []\n`;

// ---------------------------------------------------------------------------------------------
// The list

export function DesignerList() {
  const canEdit = useCan('operator');
  const client = useQueryClient();
  const list = useQuery({ queryKey: ['definitions'], queryFn: () => api<{ dir: string; definitions: Listed[] }>(D) });
  useLive('definitions', () => void client.invalidateQueries({ queryKey: ['definitions'] }));
  const [renaming, setRenaming] = useState<Listed | undefined>();
  const [deleting, setDeleting] = useState<Listed | undefined>();
  const remove = useMutation({
    mutationFn: (d: Listed) => api(`${D}/${encodeURIComponent(d.name)}?baseHash=${d.hash}`, { method: 'DELETE' }),
    onSettled: () => {
      setDeleting(undefined);
      void client.invalidateQueries({ queryKey: ['definitions'] });
    },
  });
  return (
    <section aria-labelledby="designer-title">
      <div className="head">
        <h1 id="designer-title">Designer</h1>
      </div>
      <p className="muted">
        Custom workflow definitions{list.data ? ` in ${list.data.dir}` : ''}: open one to edit its YAML and its graph
        side by side.
      </p>
      {canEdit ? <NewDefinition /> : null}
      {list.error ? <ErrorBox error={list.error} /> : null}
      {remove.error ? <ErrorBox error={remove.error} /> : null}
      {list.isPending ? <p className="muted">Loading…</p> : null}
      {list.data && list.data.definitions.length === 0 ? (
        <p className="muted" data-testid="designer-empty">
          No definitions yet. {canEdit ? 'Make one above, from a template or empty.' : 'An operator can make one here.'}
        </p>
      ) : null}
      {list.data && list.data.definitions.length > 0 ? (
        <div className="scroll">
          <table className="dz-list">
            <caption className="sr-only">Workflow definitions</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Description</th>
                <th scope="col" className="num">
                  Steps
                </th>
                <th scope="col">Problems</th>
                <th scope="col">Changed</th>
                {canEdit ? <th scope="col">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {list.data.definitions.map((d) => (
                <tr key={d.name} data-testid="definition">
                  <td>
                    <Link href={`/designer/${encodeURIComponent(d.name)}`}>{d.name}</Link>
                  </td>
                  <td>{d.description ?? <span className="muted">—</span>}</td>
                  <td className="num">{d.steps}</td>
                  <td>
                    {d.problems === 0 ? (
                      <span className="badge s-completed">runnable</span>
                    ) : (
                      <span className="badge s-failed">
                        {d.problems} problem{d.problems === 1 ? '' : 's'}
                      </span>
                    )}
                  </td>
                  <td>{when(d.updatedAt)}</td>
                  {canEdit ? (
                    <td className="dz-actions">
                      <button type="button" onClick={() => setRenaming(d)} aria-label={`Rename ${d.name}`}>
                        Rename
                      </button>
                      <button
                        type="button"
                        className="danger"
                        onClick={() => setDeleting(d)}
                        aria-label={`Delete ${d.name}`}
                      >
                        Delete
                      </button>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {renaming ? <Rename def={renaming} onDone={() => setRenaming(undefined)} /> : null}
      {deleting ? (
        <Confirm
          title={`Delete ${deleting.name}?`}
          confirmLabel="Delete"
          onConfirm={() => remove.mutate(deleting)}
          onCancel={() => setDeleting(undefined)}
        >
          <p>{deleting.file} is removed; its text stays in its versions, from which it can be restored.</p>
        </Confirm>
      ) : null}
    </section>
  );
}

function NewDefinition() {
  const [, navigate] = useLocation();
  const client = useQueryClient();
  const templates = useQuery({
    queryKey: ['definition-templates'],
    queryFn: () => api<{ templates: Template[] }>(`${D}/templates`),
  });
  const [name, setName] = useState('');
  const [from, setFrom] = useState('');
  const create = useMutation({
    mutationFn: () =>
      api<DefinitionFile>(D, {
        method: 'POST',
        body: from ? { name, template: from } : { name, text: EMPTY(name) },
      }),
    onSuccess: (d) => {
      void client.invalidateQueries({ queryKey: ['definitions'] });
      navigate(`/designer/${encodeURIComponent(d.name)}`);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <form className="card dz-new" onSubmit={submit} aria-label="New definition">
      <label>
        Name
        <input
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="e.g. release"
          required
          pattern="[A-Za-z0-9][A-Za-z0-9._-]{0,99}"
          title="Letters, digits, . _ - (starting with a letter or digit), the file name without .yaml"
        />
      </label>
      <label>
        Start from
        <select value={from} onChange={(e) => setFrom(e.target.value)}>
          <option value="">Empty</option>
          {templates.data?.templates.map((t) => (
            <option key={t.name} value={t.name}>
              Template: {t.name}
              {t.description ? ` — ${t.description}` : ''}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" className="primary" disabled={create.isPending || !name}>
        New
      </button>
      {create.error ? <ErrorBox error={create.error} /> : null}
    </form>
  );
}

function Rename({ def, onDone }: { def: Listed; onDone: () => void }) {
  const client = useQueryClient();
  const ref = useRef<HTMLDialogElement>(null);
  const [to, setTo] = useState(def.name);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  const rename = useMutation({
    mutationFn: () =>
      api(`${D}/${encodeURIComponent(def.name)}/rename`, { method: 'POST', body: { to, baseHash: def.hash } }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['definitions'] });
      onDone();
    },
  });
  return (
    <dialog ref={ref} className="dialog" aria-labelledby="rename-title" onCancel={onDone}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          rename.mutate();
        }}
      >
        <h2 id="rename-title">Rename {def.name}</h2>
        <label>
          New name
          <input value={to} onChange={(e) => setTo(e.target.value)} required autoFocus />
        </label>
        {rename.error ? <ErrorBox error={rename.error} /> : null}
        <div className="row end">
          <button type="button" onClick={onDone}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={rename.isPending || !to || to === def.name}>
            Rename
          </button>
        </div>
      </form>
    </dialog>
  );
}

// ---------------------------------------------------------------------------------------------
// One definition: the split view

export function DesignerEdit({ name }: { name: string }) {
  const def = useQuery({
    queryKey: ['definition', name],
    queryFn: () => api<DefinitionFile>(`${D}/${encodeURIComponent(name)}`),
    refetchOnWindowFocus: false,
    staleTime: Infinity,
  });
  return (
    <section aria-labelledby="dz-title" className="dz">
      <div className="crumbs">
        <Link href="/designer">Designer</Link> / {name}
      </div>
      {def.error ? <ErrorBox error={def.error} action={<Link href="/designer">Back to the definitions</Link>} /> : null}
      {def.isPending ? <p className="muted">Loading…</p> : null}
      {def.data ? <Workbench key={name} initial={def.data} /> : null}
    </section>
  );
}

const sameText = (a: string, b: string) => a === b;

/** CodeMirror's colours from the dashboard's CSS variables (light and dark). */
const cmTheme = EditorView.theme({
  '&': { color: 'var(--fg)', backgroundColor: 'var(--card)', height: '100%' },
  '.cm-content': { caretColor: 'var(--fg)' },
  '.cm-gutters': { backgroundColor: 'var(--bg)', color: 'var(--muted)', borderRight: '1px solid var(--line)' },
  '.cm-activeLine, .cm-activeLineGutter': { backgroundColor: 'color-mix(in srgb, var(--accent) 8%, transparent)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground': {
    backgroundColor: 'color-mix(in srgb, var(--accent) 30%, transparent) !important',
  },
  // The lint package draws its underline and gutter marks with data: URLs, which the CSP refuses.
  '.cm-lintRange-error, .cm-lintRange-warning, .cm-lintRange-info': {
    backgroundImage: 'none',
    textDecoration: 'underline wavy',
    textDecorationSkipInk: 'none',
  },
  '.cm-lintRange-error': { textDecorationColor: 'var(--danger)' },
  '.cm-lintRange-warning': { textDecorationColor: 'var(--warn)' },
  '.cm-lint-marker': { content: 'none', width: '0.8em', height: '0.8em', borderRadius: '50%' },
  '.cm-lint-marker-error': { backgroundColor: 'var(--danger)' },
  '.cm-lint-marker-warning': { backgroundColor: 'var(--warn)' },
  '.cm-scroller': { fontFamily: 'var(--mono, ui-monospace, monospace)', overflow: 'auto' },
});

/** YAML colours from the dashboard's variables: readable (WCAG AA) in both themes. */
const highlight = HighlightStyle.define([
  { tag: [t.propertyName, t.definition(t.propertyName)], color: 'var(--accent)' },
  { tag: [t.string, t.special(t.string)], color: 'var(--ok)' },
  { tag: [t.number, t.bool, t.null, t.atom], color: 'var(--warn)' },
  { tag: [t.comment, t.lineComment, t.blockComment], color: 'var(--muted)', fontStyle: 'italic' },
  { tag: [t.keyword, t.meta, t.labelName, t.typeName], color: 'var(--danger)' },
  { tag: t.invalid, color: 'var(--danger)', textDecoration: 'underline' },
]);

interface Conflict {
  detail: string;
  mine: string;
  theirs?: { text: string; hash: string };
}

function Workbench({ initial }: { initial: DefinitionFile }) {
  const name = initial.name;
  const canEdit = useCan('operator');
  const client = useQueryClient();
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | undefined>(undefined);
  const [text, setText] = useState(initial.text);
  const [cursor, setCursor] = useState<number | undefined>();
  const [base, setBase] = useState({ text: initial.text, hash: initial.hash });
  const [selected, setSelected] = useState<string | undefined>();
  const [problems, setProblems] = useState<Problem[]>(initial.problems);
  const [editError, setEditError] = useState<string | undefined>();
  const [saved, setSaved] = useState<string | undefined>();
  const [conflict, setConflict] = useState<Conflict | undefined>();
  const [onDisk, setOnDisk] = useState<{ text: string; hash: string } | undefined>();
  const [tab, setTab] = useState<'text' | 'graph'>('graph');
  const saving = useRef(false);
  const cache = useRef(new Map<string, Layout>());
  const model = useMemo(() => buildModel(text), [text]);
  const layout = useMemo(() => layoutCached(model, cache.current), [model]);
  const dirty = !sameText(text, base.text);

  // The editor: made once; its changes flow into `text`, its cursor into `cursor`.
  useEffect(() => {
    if (!host.current) return;
    const exts: Extension[] = [
      lineNumbers(),
      highlightActiveLineGutter(),
      foldGutter(),
      lintGutter(),
      history(),
      drawSelection(),
      indentOnInput(),
      bracketMatching(),
      highlightActiveLine(),
      syntaxHighlighting(highlight),
      yaml(),
      keymap.of([...defaultKeymap, ...historyKeymap, ...foldKeymap, indentWithTab]),
      cmTheme,
      EditorView.contentAttributes.of({ 'aria-label': `YAML of ${name}`, tabindex: '0' }),
      EditorView.updateListener.of((u) => {
        if (u.docChanged) setText(u.state.doc.toString());
        if (u.selectionSet || u.docChanged) setCursor(u.state.selection.main.head);
      }),
    ];
    if (!canEdit) exts.push(EditorState.readOnly.of(true));
    // In a shadow root: CodeMirror's styles then go into a constructed style sheet (CSSOM), which the
    // dashboard's CSP (style-src 'self') allows; in the document itself they would be a <style> tag.
    const shadow = host.current.shadowRoot ?? host.current.attachShadow({ mode: 'open' });
    const inner = document.createElement('div');
    inner.style.height = '100%';
    shadow.replaceChildren(inner);
    const v = new EditorView({
      parent: inner,
      root: shadow,
      state: EditorState.create({ doc: initial.text, extensions: exts }),
    });
    view.current = v;
    return () => {
      v.destroy();
      view.current = undefined;
    };
    // The editor is made once per definition (the Workbench is keyed on its name).
  }, []);

  // Text → graph selection: the step around the cursor.
  useEffect(() => {
    if (cursor === undefined) return;
    const n = stepAt(model, cursor);
    if (n) setSelected(n.key);
  }, [cursor, model]);

  // The server's checker, 300 ms after the last keystroke; its problems as diagnostics.
  useEffect(() => {
    let stale = false;
    const t = setTimeout(() => {
      api<{ problems: Problem[] }>(`${D}/validate`, { method: 'POST', body: { text, name, outline: false } })
        .then((r) => {
          if (stale) return;
          setProblems(r.problems);
        })
        .catch((err: unknown) => {
          if (stale) return;
          setProblems([
            {
              line: 1,
              col: 1,
              endLine: 1,
              endCol: 1,
              path: '',
              segments: [],
              message: `The text could not be checked: ${err instanceof Error ? err.message : String(err)}`,
              severity: 'warning',
              source: 'yaml',
            },
          ]);
        });
    }, 300);
    return () => {
      stale = true;
      clearTimeout(t);
    };
  }, [text, name]);

  useEffect(() => {
    const v = view.current;
    if (!v) return;
    if (v.state.doc.toString() !== text) return; // the next check follows
    const doc = v.state.doc;
    const at = (line: number, col: number) => {
      const l = doc.line(Math.min(Math.max(line, 1), doc.lines));
      return Math.min(l.from + Math.max(col - 1, 0), l.to);
    };
    const diagnostics: Diagnostic[] = problems.map((p) => {
      const from = at(p.line, p.col);
      const to = Math.max(from, at(p.endLine, p.endCol));
      return {
        from,
        to: to === from ? Math.min(doc.line(p.line > doc.lines ? doc.lines : p.line).to, from + 1) : to,
        severity: p.severity,
        message: p.message,
        source: p.path || undefined,
      };
    });
    v.dispatch(setDiagnostics(v.state, diagnostics));
  }, [problems, text]);

  /** Each problem's step: the step whose path is the longest prefix of the problem's, else the one at its line. */
  const problemSteps = useMemo(() => {
    const out = new Map<string, string[]>();
    const lines = text.split('\n');
    for (const p of problems) {
      let best: { key: string; len: number } | undefined;
      for (const n of model.nodes) {
        if (n.path.length > p.segments.length) continue;
        if (!n.path.every((s, i) => String(s) === String(p.segments[i]))) continue;
        if (!best || n.path.length > best.len) best = { key: n.key, len: n.path.length };
      }
      let key = best?.key;
      if (!key) {
        let off = 0;
        for (let i = 0; i < p.line - 1 && i < lines.length; i++) off += lines[i].length + 1;
        key = stepAt(model, off + Math.max(p.col - 1, 0))?.key;
      }
      if (key) out.set(key, [...(out.get(key) ?? []), p.message]);
    }
    for (const d of model.dangling) out.set(d.ref.user, [...(out.get(d.ref.user) ?? []), d.message]);
    return out;
  }, [problems, model, text]);

  /** A visual edit: its changes as one editor transaction (undoable with Ctrl+Z). */
  const apply = (edit: () => EditResult, select?: (r: EditResult) => string | undefined) => {
    const v = view.current;
    if (!v) return;
    let r: EditResult;
    try {
      r = edit();
    } catch (err) {
      setEditError(err instanceof EditError || err instanceof Error ? err.message : String(err));
      return;
    }
    setEditError(undefined);
    v.dispatch({ changes: r.changes.map((c: Change) => ({ from: c.from, to: c.to, insert: c.insert })) });
    const key = select ? select(r) : r.key;
    if (key) {
      const m = buildModel(v.state.doc.toString());
      if (m.byKey.has(key)) selectNode(key, m);
    }
  };

  const selectNode = (key: string, m: GraphModel = model) => {
    setSelected(key);
    const v = view.current;
    if (!v || !m.byKey.has(key)) return;
    const r = stepRange(m, key);
    v.dispatch({ selection: { anchor: r.from, head: r.to }, scrollIntoView: true });
  };

  const replaceText = (next: string) => {
    const v = view.current;
    if (!v) return;
    v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: next } });
  };

  // Changes on disk (another tab, a text editor): reload when nothing is unsaved, else ask.
  const state = useRef({ dirty, base });
  state.current = { dirty, base };
  useLive('definitions', (e) => {
    if (e.type !== 'definition.changed' || e.data.name !== name || saving.current) return;
    if (e.data.hash === state.current.base.hash || e.data.change === 'deleted') return;
    void api<DefinitionFile>(`${D}/${encodeURIComponent(name)}`).then((cur) => {
      if (cur.hash === state.current.base.hash) return;
      if (state.current.dirty) setOnDisk({ text: cur.text, hash: cur.hash });
      else {
        setBase({ text: cur.text, hash: cur.hash });
        replaceText(cur.text);
        setSaved(`Reloaded: ${cur.file} changed on disk.`);
      }
    });
  });

  const save = useMutation({
    mutationFn: async (o: { text: string; baseHash: string }) => {
      saving.current = true;
      try {
        return await api<DefinitionFile>(`${D}/${encodeURIComponent(name)}`, { method: 'PUT', body: o });
      } finally {
        saving.current = false;
      }
    },
    onSuccess: (r, o) => {
      setBase({ text: o.text, hash: r.hash });
      setConflict(undefined);
      setOnDisk(undefined);
      const errors = r.problems.filter((p) => p.severity === 'error').length;
      setSaved(
        errors
          ? `Saved as a draft with ${errors} problem${errors === 1 ? '' : 's'}: a run refuses it until they are fixed.`
          : `Saved ${r.file}.`,
      );
      void client.invalidateQueries({ queryKey: ['definitions'] });
    },
    onError: async (err, o) => {
      if (!(err instanceof ApiError) || err.status !== 409) return;
      const cur = await api<DefinitionFile>(`${D}/${encodeURIComponent(name)}`).catch(() => undefined);
      setConflict({ detail: err.detail, mine: o.text, theirs: cur ? { text: cur.text, hash: cur.hash } : undefined });
    },
  });

  const sel = selected ? model.byKey.get(selected) : undefined;
  const [where, setWhere] = useState<'after' | 'inside' | 'end'>('after');
  const whereFor = (): Where => {
    if (sel && where === 'inside' && sel.lists?.length) return { list: sel.lists[0], at: 'end' };
    if (sel && where === 'after') return { after: sel.key };
    return { list: 'steps', at: 'end' };
  };

  const errors = problems.filter((p) => p.severity === 'error').length;
  const flow = useRef<ReactFlowInstance<Node, Edge> | null>(null);
  useEffect(() => {
    if (tab === 'graph') requestAnimationFrame(() => void flow.current?.fitView({ padding: 0.1 }));
  }, [tab, layout]);
  // A narrower or wider window: the graph fits its box again.
  const canvas = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = canvas.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const o = new ResizeObserver(() => void flow.current?.fitView({ padding: 0.1 }));
    o.observe(el);
    return () => o.disconnect();
  }, []);

  return (
    <>
      <div className="head">
        <h1 id="dz-title">{name}</h1>
        <div className="row dz-status">
          <span className={`badge ${errors ? 's-failed' : 's-completed'}`} data-testid="dz-problems">
            {errors ? `${errors} problem${errors === 1 ? '' : 's'}` : 'no problems'}
          </span>
          {dirty ? <span className="muted">unsaved changes</span> : null}
          {canEdit ? (
            <button
              type="button"
              className="primary"
              disabled={save.isPending || !dirty}
              onClick={() => save.mutate({ text, baseHash: base.hash })}
            >
              {save.isPending ? 'Saving…' : 'Save'}
            </button>
          ) : (
            <span className="muted">Read only: saving needs the operator role.</span>
          )}
        </div>
      </div>
      {saved && !dirty && !conflict ? (
        <p className="notice" role="status" data-testid="dz-saved">
          {saved}
        </p>
      ) : null}
      {save.error && !(save.error instanceof ApiError && save.error.status === 409) ? (
        <ErrorBox error={save.error} />
      ) : null}
      {conflict ? (
        <div className="error conflict" role="alert" data-testid="dz-conflict">
          <strong>Conflict</strong> <span className="muted">(HTTP 409)</span>
          <p>{conflict.detail}</p>
          <div className="both">
            <div>
              <h3>Yours</h3>
              <pre data-testid="conflict-mine" tabIndex={0} className="diff">
                <Lines text={conflict.mine} other={conflict.theirs?.text ?? ''} mark="del" />
              </pre>
            </div>
            <div>
              <h3>Theirs (on disk now)</h3>
              <pre data-testid="conflict-theirs" tabIndex={0} className="diff">
                {conflict.theirs ? <Lines text={conflict.theirs.text} other={conflict.mine} mark="add" /> : 'deleted'}
              </pre>
            </div>
          </div>
          <div className="row">
            {conflict.theirs ? (
              <>
                <button
                  type="button"
                  onClick={() => {
                    const t = conflict.theirs as { text: string; hash: string };
                    setBase(t);
                    replaceText(t.text);
                    setConflict(undefined);
                  }}
                >
                  Take theirs
                </button>
                <button
                  type="button"
                  className="danger"
                  onClick={() =>
                    save.mutate({ text: conflict.mine, baseHash: (conflict.theirs as { hash: string }).hash })
                  }
                >
                  Overwrite with mine
                </button>
              </>
            ) : null}
          </div>
        </div>
      ) : null}
      {onDisk && !conflict ? (
        <div className="banner" role="alert" data-testid="dz-on-disk">
          {initial.file} changed on disk while you have unsaved edits.{' '}
          <button
            type="button"
            onClick={() => {
              setBase(onDisk);
              replaceText(onDisk.text);
              setOnDisk(undefined);
            }}
          >
            Reload
          </button>{' '}
          <button type="button" onClick={() => setOnDisk(undefined)}>
            Keep mine
          </button>
        </div>
      ) : null}
      {editError ? (
        <p className="error" role="alert" data-testid="dz-edit-error">
          {editError}
        </p>
      ) : null}
      <div className="dz-tabs" role="group" aria-label="Show">
        <button type="button" aria-pressed={tab === 'text'} onClick={() => setTab('text')}>
          Text
        </button>
        <button type="button" aria-pressed={tab === 'graph'} onClick={() => setTab('graph')}>
          Graph
        </button>
      </div>
      <div className={`dz-split show-${tab}`}>
        <div className="dz-text card" ref={host} data-testid="dz-editor" />
        <div className="dz-graph">
          {canEdit ? (
            <Palette
              sel={sel}
              where={where}
              setWhere={setWhere}
              onAdd={(kind) => apply(() => addStep(text, kind, whereFor()))}
              onDelete={() =>
                sel &&
                apply(
                  () => deleteStep(text, sel.key),
                  () => undefined,
                )
              }
              onDuplicate={() => sel && apply(() => duplicateStep(text, sel.key))}
              onMove={(d) =>
                sel &&
                apply(
                  () => moveStep(text, sel.key, d),
                  () => sel.key,
                )
              }
              onWrap={() => sel && apply(() => wrapSteps(text, [sel.key], 'parallel'))}
            />
          ) : null}
          <div className="dz-canvas card" data-testid="dz-graph" ref={canvas}>
            {model.nodes.length === 0 ? (
              <p className="muted dz-none">
                No steps yet:{' '}
                {canEdit ? 'add one from the palette above, or write it in the text.' : 'nothing to draw.'}
              </p>
            ) : null}
            <Graph
              model={model}
              layout={layout}
              selected={selected}
              marks={problemSteps}
              onSelect={(k) => selectNode(k)}
              onInit={(i) => (flow.current = i)}
            />
          </div>
          {sel ? (
            <StepPanel
              key={sel.key}
              model={model}
              stepKey={sel.key}
              readOnly={!canEdit}
              marks={problemSteps.get(sel.key)}
              onSet={(field, value) =>
                apply(
                  () =>
                    value === undefined ? removeField(text, sel.key, field) : setField(text, sel.key, field, value),
                  (r) => (field === 'id' ? String(value) : (r.key ?? sel.key)),
                )
              }
            />
          ) : (
            <p className="muted">Select a step (in the graph, or with the cursor in the text) to see its fields.</p>
          )}
        </div>
      </div>
    </>
  );
}

/** A text's lines, those not shared with `other` (outside their longest common subsequence) marked. */
function Lines({ text, other, mark }: { text: string; other: string; mark: 'add' | 'del' }) {
  const a = text.split('\n');
  const b = other.split('\n');
  // LCS table, from the end; definitions are small (at most 256 KiB), conflicts rarer still.
  const n = a.length;
  const m = b.length;
  const L: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--) L[i][j] = a[i] === b[j] ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
  const kept = new Set<number>();
  for (let i = 0, j = 0; i < n && j < m;) {
    if (a[i] === b[j]) {
      kept.add(i);
      i++;
      j++;
    } else if (L[i + 1][j] >= L[i][j + 1]) i++;
    else j++;
  }
  return (
    <>
      {a.map((l, i) =>
        kept.has(i) ? (
          <span key={i}>
            {l}
            {'\n'}
          </span>
        ) : (
          <span key={i} className={mark}>
            <span className="sr-only">{mark === 'add' ? 'only theirs: ' : 'only yours: '}</span>
            {l}
          </span>
        ),
      )}
    </>
  );
}

function Palette({
  sel,
  where,
  setWhere,
  onAdd,
  onDelete,
  onDuplicate,
  onMove,
  onWrap,
}: {
  sel: ReturnType<GraphModel['byKey']['get']>;
  where: 'after' | 'inside' | 'end';
  setWhere: (w: 'after' | 'inside' | 'end') => void;
  onAdd: (k: StepKind) => void;
  onDelete: () => void;
  onDuplicate: () => void;
  onMove: (d: 'up' | 'down') => void;
  onWrap: () => void;
}) {
  const group = sel && isGroupKind(sel.kind);
  const effective = !sel ? 'end' : where === 'inside' && !group ? 'after' : where;
  return (
    <div className="dz-palette card" role="toolbar" aria-label="Steps" data-testid="dz-palette">
      <label>
        Add
        <select
          aria-label="Where to add"
          value={effective}
          onChange={(e) => setWhere(e.target.value as 'after' | 'inside' | 'end')}
        >
          {sel ? <option value="after">after {sel.label}</option> : null}
          {group ? <option value="inside">inside {sel.label}</option> : null}
          <option value="end">at the end</option>
        </select>
      </label>
      <div className="dz-kinds">
        {STEP_KINDS.map((k) => (
          <button key={k} type="button" onClick={() => onAdd(k)} aria-label={`Add ${k} step`}>
            + {k}
          </button>
        ))}
      </div>
      {sel ? (
        <div className="dz-kinds" aria-label={`Selected: ${sel.label}`} role="group">
          <button type="button" onClick={() => onMove('up')}>
            Move up
          </button>
          <button type="button" onClick={() => onMove('down')}>
            Move down
          </button>
          <button type="button" onClick={onDuplicate}>
            Duplicate
          </button>
          <button type="button" onClick={onWrap}>
            Wrap in parallel
          </button>
          <button type="button" className="danger" onClick={onDelete}>
            Delete
          </button>
        </div>
      ) : null}
    </div>
  );
}

// ---------------------------------------------------------------------------------------------
// The graph

interface StepData extends Record<string, unknown> {
  label: string;
  kind: string;
  stepKey: string;
  selected: boolean;
  marks?: string[];
  terminal?: boolean;
  onSelect?: (k: string) => void;
}

function StepNodeView({ data }: NodeProps<Node<StepData>>) {
  return (
    <div
      className={`dz-node${data.selected ? ' selected' : ''}${data.marks ? ' marked' : ''}${data.terminal ? ' terminal' : ''}`}
      data-testid="dz-node"
      data-key={data.stepKey}
      data-marked={data.marks ? 'true' : undefined}
      title={data.marks?.join('\n')}
    >
      <Handle type="target" position={Position.Top} isConnectable={false} />
      {data.onSelect ? (
        <button
          type="button"
          className="plain"
          aria-pressed={data.selected}
          aria-label={`${data.kind} step ${data.label}${data.marks ? `: ${data.marks.join('; ')}` : ''}`}
          onClick={() => data.onSelect?.(data.stepKey)}
        >
          <span className="dz-kind">{data.kind}</span> {data.label}
          {data.marks ? <span className="dz-mark"> ⚠</span> : null}
        </button>
      ) : (
        <span>{data.label}</span>
      )}
      <Handle type="source" position={Position.Bottom} isConnectable={false} />
    </div>
  );
}

function JoinNodeView() {
  return (
    <div className="dz-join" aria-hidden="true">
      <Handle type="target" position={Position.Top} isConnectable={false} />
      <Handle type="source" position={Position.Bottom} isConnectable={false} />
    </div>
  );
}

function GroupNodeView({ data }: NodeProps<Node<{ label: string }>>) {
  return <div className="dz-group" aria-hidden="true" title={data.label} />;
}

const nodeTypes = { step: StepNodeView, join: JoinNodeView, group: GroupNodeView };

function Graph({
  model,
  layout,
  selected,
  marks,
  onSelect,
  onInit,
}: {
  model: GraphModel;
  layout: Layout;
  selected?: string;
  marks: Map<string, string[]>;
  onSelect: (k: string) => void;
  onInit: (i: ReactFlowInstance<Node, Edge>) => void;
}) {
  const { nodes, edges } = useMemo(() => {
    const nodes: Node[] = [];
    const containerOf = (parent: string | undefined) => (parent && layout.groups[parent] ? parent : undefined);
    const origin = (c: string | undefined) => (c ? layout.groups[c] : { x: 0, y: 0 });
    // Groups first (parents before children), outermost first.
    const groupKeys = model.nodes.filter((n) => layout.groups[n.key]).map((n) => n);
    for (const g of groupKeys) {
      const b = layout.groups[g.key];
      const c = containerOf(g.parent);
      const o = origin(c);
      nodes.push({
        id: `group:${g.key}`,
        type: 'group',
        position: { x: b.x - o.x, y: b.y - o.y },
        data: { label: g.label },
        style: { width: b.width, height: b.height },
        ...(c ? { parentId: `group:${c}` } : {}),
        selectable: false,
        draggable: false,
        focusable: false,
      });
    }
    for (const [key, b] of Object.entries(layout.nodes)) {
      const step = model.byKey.get(key);
      const join = key.endsWith('$end');
      const c = join ? key.slice(0, -'$end'.length) : step && layout.groups[key] ? key : containerOf(step?.parent);
      const o = origin(c);
      const terminal = !step && !join;
      nodes.push({
        id: key,
        type: join ? 'join' : 'step',
        position: { x: b.x - o.x, y: b.y - o.y },
        data: {
          label: step ? step.label : key === '$inputs' ? 'inputs' : 'outputs',
          kind: step ? (step.kind ?? 'unknown') : '',
          stepKey: key,
          selected: key === selected,
          marks: marks.get(key),
          terminal,
          onSelect: step ? onSelect : undefined,
        } satisfies StepData,
        style: { width: b.width, height: b.height },
        ...(c ? { parentId: `group:${c}` } : {}),
        draggable: false,
        selectable: false,
        focusable: false,
      });
    }
    const edges: Edge[] = model.edges.map((e) => ({
      id: `s:${e.from}>${e.to}`,
      source: e.from,
      target: e.to,
      type: 'smoothstep',
      focusable: false,
      selectable: false,
      className: 'dz-seq',
    }));
    const seen = new Set<string>();
    for (const d of model.data) {
      const id = `d:${d.from}>${d.to}`;
      if (seen.has(id) || !layout.nodes[d.from] || !layout.nodes[d.to]) continue;
      seen.add(id);
      edges.push({
        id,
        source: d.from,
        target: d.to,
        focusable: false,
        selectable: false,
        className: 'dz-data',
        style: { strokeDasharray: '5 4' },
      });
    }
    return { nodes, edges };
  }, [model, layout, selected, marks, onSelect]);
  return (
    <ReactFlow
      nodes={nodes}
      edges={edges}
      nodeTypes={nodeTypes}
      onInit={onInit}
      onNodeClick={(_, n) => {
        if (model.byKey.has(n.id)) onSelect(n.id);
      }}
      fitView
      minZoom={0.1}
      nodesDraggable={false}
      nodesConnectable={false}
      nodesFocusable={false}
      edgesFocusable={false}
      elementsSelectable={false}
      proOptions={{ hideAttribution: true }}
      aria-label="Graph of the workflow"
    >
      <Background />
      <Controls showInteractive={false} />
    </ReactFlow>
  );
}

// ---------------------------------------------------------------------------------------------
// The side panel: the selected step's fields, from its kind's schema

function StepPanel({
  model,
  stepKey,
  readOnly,
  marks,
  onSet,
}: {
  model: GraphModel;
  stepKey: string;
  readOnly: boolean;
  marks?: string[];
  onSet: (field: string, value: unknown) => void;
}) {
  const s = readStep(model, stepKey);
  const node = model.byKey.get(stepKey);
  const fields = s.kind ? fieldsOf(s.kind, typeof s.body.action === 'string' ? s.body.action : undefined) : [];
  return (
    <form className="card dz-panel" aria-label={`Step ${s.id ?? stepKey}`} onSubmit={(e) => e.preventDefault()}>
      <h2>
        {s.kind ?? 'step'} <span className="muted">line {node?.line}</span>
      </h2>
      {marks ? (
        <ul className="dz-marks" data-testid="dz-step-problems">
          {marks.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      ) : null}
      <Field
        label="id"
        type="string"
        value={s.id}
        readOnly={readOnly}
        onCommit={(v) => v !== undefined && onSet('id', v)}
      />
      <Field label="name" type="string" value={s.name} readOnly={readOnly} onCommit={(v) => onSet('name', v)} />
      {fields
        .filter((f) => f.type !== 'steps')
        .map((f) => (
          <Field
            key={f.name}
            label={f.name}
            spec={f}
            type={f.type}
            value={s.body[f.name]}
            line={s.at[f.name]?.line}
            readOnly={readOnly}
            onCommit={(v) => onSet(`${s.kind}.${f.name}`, v)}
          />
        ))}
    </form>
  );
}

const show = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));

function Field({
  label,
  spec,
  type,
  value,
  line,
  readOnly,
  onCommit,
}: {
  label: string;
  spec?: FieldSpec;
  type: FieldSpec['type'];
  value: unknown;
  line?: number;
  readOnly: boolean;
  onCommit: (v: unknown) => void;
}) {
  const [draft, setDraft] = useState(show(value));
  const [error, setError] = useState<string | undefined>();
  useEffect(() => setDraft(show(value)), [value]);
  const id = `dz-f-${label}`;
  const commit = (raw: string) => {
    if (raw === show(value)) return;
    if (raw === '') {
      setError(undefined);
      onCommit(undefined);
      return;
    }
    let v: unknown = raw;
    if (type === 'number' || type === 'integer') {
      v = Number(raw);
      if (!Number.isFinite(v as number)) return setError(`${label} is a number, e.g. ${String(spec?.default ?? 3)}`);
    } else if (type === 'boolean') v = raw === 'true';
    else if (type === 'array' || type === 'object' || type === 'any') {
      try {
        v = JSON.parse(raw);
      } catch {
        if (type === 'array' && spec?.items === 'string') v = raw.split(',').map((x) => x.trim());
        else if (type === 'any') v = raw;
        else return setError(`${label} is ${type === 'array' ? 'a list, e.g. ["a", "b"]' : 'a map, e.g. {"k": "v"}'}`);
      }
    }
    setError(undefined);
    onCommit(v);
  };
  const shown =
    spec?.default === undefined
      ? undefined
      : type === 'duration' && typeof spec.default === 'number'
        ? durationText(spec.default)
        : show(spec.default);
  const placeholder = shown !== undefined && shown !== '' ? `default: ${shown}` : spec?.required ? 'required' : '';
  const desc = spec?.description;
  return (
    <div className="dz-field">
      <label htmlFor={id}>
        {label}
        {spec?.required ? ' *' : ''}
        {line ? <span className="muted dz-line"> line {line}</span> : null}
      </label>
      {spec?.options || type === 'boolean' ? (
        <select
          id={id}
          value={draft}
          disabled={readOnly}
          onChange={(e) => {
            setDraft(e.target.value);
            commit(e.target.value);
          }}
        >
          <option value="">{placeholder || '—'}</option>
          {(spec?.options ?? ['true', 'false']).map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      ) : (
        <input
          id={id}
          value={draft}
          readOnly={readOnly}
          placeholder={placeholder}
          title={desc}
          inputMode={type === 'number' || type === 'integer' ? 'decimal' : undefined}
          onChange={(e) => setDraft(e.target.value)}
          onBlur={(e) => commit(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              commit((e.target as HTMLInputElement).value);
            }
          }}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-err` : undefined}
        />
      )}
      {error ? (
        <span className="field-error" id={`${id}-err`} role="alert">
          {error}
        </span>
      ) : null}
    </div>
  );
}
