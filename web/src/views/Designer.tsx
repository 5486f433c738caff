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
  BaseEdge,
  Controls,
  EdgeLabelRenderer,
  getSmoothStepPath,
  Handle,
  Position,
  ReactFlow,
  type Edge,
  type EdgeProps,
  type Node,
  type NodeProps,
  type ReactFlowInstance,
} from '@xyflow/react';
import {
  lazy,
  Suspense,
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type FormEvent,
} from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { MAX_DEFINITION_BYTES, STEP_KINDS, type StepKind } from '../../../workflows/contract/custom-types';
import {
  addBranch,
  addStep,
  modelOf,
  deleteStep,
  duplicateStep,
  EditError,
  isGroupKind,
  layoutCached,
  moveStep,
  removeField,
  setField,
  stepAt,
  stepRange,
  unwrapStep,
  whereOnEdge,
  wrapSteps,
  type Change,
  type EditResult,
  type GraphModel,
  INPUTS_KEY,
  OUTPUTS_KEY,
  type Layout,
  type Where,
} from '../designer';
import { ApiError, api, when } from '../api';
import { useLive } from '../live';
import { Confirm, downloadText, ErrorBox, useCan } from '../ui';
import { RunBanner, RunDialog, RunsDialog, RunStepCard, tookOf, useRunOverlay, type Watch } from './designer-run';
// The side panel's forms bring zod and the step schemas, the versions panel jsdiff: both load when
// first needed (and the panel in the background once the graph is drawn), not before the graph.
const loadPanel = () => import('./designer-panel');
const StepPanel = lazy(loadPanel);
const VersionsDialog = lazy(() => import('./designer-versions').then((m) => ({ default: m.VersionsDialog })));
import { definitionQuery } from './designer-route';
import type { Step } from './workflow-api';

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

/** A chosen file's text, or why it cannot be a definition (too big for the API). */
async function readDefinitionFile(f: File): Promise<string> {
  if (f.size > MAX_DEFINITION_BYTES) {
    throw new Error(
      `${f.name} is ${Math.ceil(f.size / 1024)} KiB; a workflow file may be at most ${MAX_DEFINITION_BYTES / 1024} KiB`,
    );
  }
  return f.text();
}

/** A file's name as a definition name: without .yaml/.yml, other characters as "-". */
const nameOfFile = (file: string) =>
  file
    .replace(/\.ya?ml$/i, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 100);

/** A button that opens the file chooser and hands over the chosen YAML file's text. */
function ImportButton({ label = 'Import', onText }: { label?: string; onText: (text: string, file: string) => void }) {
  const input = useRef<HTMLInputElement>(null);
  const [error, setError] = useState<string | undefined>();
  return (
    <>
      <button type="button" onClick={() => input.current?.click()}>
        {label}
      </button>
      <input
        ref={input}
        type="file"
        accept=".yaml,.yml,application/yaml,text/yaml"
        hidden
        aria-label={`${label}: choose a .yaml file`}
        data-testid="dz-import"
        onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (!f) return;
          readDefinitionFile(f).then(
            (t) => {
              setError(undefined);
              onText(t, f.name);
            },
            (err: unknown) => setError(err instanceof Error ? err.message : String(err)),
          );
        }}
      />
      {error ? (
        <span className="field-error" role="alert">
          {error}
        </span>
      ) : null}
    </>
  );
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
    mutationFn: (file?: { name: string; text: string }) =>
      api<DefinitionFile>(D, {
        method: 'POST',
        body: file ? file : from ? { name, template: from } : { name, text: EMPTY(name) },
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
      <span className="muted">or</span>
      <ImportButton
        label="Import a file"
        onText={(text, file) => create.mutate({ name: name || nameOfFile(file), text })}
      />
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
  const def = useQuery(definitionQuery<DefinitionFile>(name));
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
  const model = useMemo(() => modelOf(text), [text]);
  const dirty = !sameText(text, base.text);
  const [dialog, setDialog] = useState<'run' | 'runs' | 'versions' | undefined>();
  // A run drawn over the graph: the editor's graph when it ran this text, else the version it ran
  // (read only). Its statuses never change the layout, which depends on the structure only.
  // `?run=<workflowId>` (the run page links here): that run on the graph.
  const runParam = new URLSearchParams(useSearch()).get('run') ?? undefined;
  const [, navigate] = useLocation();
  const [watch, setWatchState] = useState<Watch | undefined>(() => (runParam ? { workflowId: runParam } : undefined));
  const setWatch = (w: Watch | undefined) => {
    setWatchState(w);
    // The address says which run is shown, so a reload or a shared link shows it again.
    navigate(`/designer/${encodeURIComponent(name)}${w ? `?run=${encodeURIComponent(w.workflowId)}` : ''}`, {
      replace: true,
    });
  };
  const overlay = useRunOverlay(watch, name, base.hash);
  const runModel = useMemo(
    () => (overlay.versionText ? modelOf(overlay.versionText) : undefined),
    [overlay.versionText],
  );
  const shown = runModel ?? model;
  const frozen = runModel !== undefined;
  const layout = useMemo(() => layoutCached(shown, cache.current), [shown]);
  const [edgeAt, setEdgeAt] = useState<EdgeAt | undefined>();
  // A run that failed opens on its failed step (the innermost: a group's failure is its step's).
  const failedKey = useMemo(() => {
    if (!watch || overlay.run.data?.status !== 'failed') return undefined;
    return shown.nodes.find((n) => !isGroupKind(n.kind) && overlay.steps.get(n.id ?? '')?.status === 'failed')?.key;
  }, [watch, overlay.run.data?.status, overlay.steps, shown]);
  useEffect(() => {
    if (failedKey) setSelected(failedKey);
  }, [failedKey]);

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

  // The side panel's code, fetched once the graph is up, so the first click on a node is instant.
  useEffect(() => {
    const t = setTimeout(() => void loadPanel(), 1000);
    return () => clearTimeout(t);
  }, []);

  // Text → graph selection: the step around the cursor — unless the cursor is where selecting a
  // node put it (the end of its text, which for a group is also the end of its last step).
  const ownCursor = useRef<number | undefined>(undefined);
  useEffect(() => {
    if (cursor === undefined) return;
    if (cursor === ownCursor.current) return;
    ownCursor.current = undefined;
    const n = stepAt(model, cursor);
    if (n) setSelected(n.key);
  }, [cursor, model]);

  // The server's checker, 300 ms after the last keystroke; its problems as diagnostics. The text
  // as read came with its problems: it is not sent back to be checked again.
  const checked = useRef(initial.text);
  useEffect(() => {
    if (text === checked.current) return;
    let stale = false;
    const t = setTimeout(() => {
      api<{ problems: Problem[] }>(`${D}/validate`, { method: 'POST', body: { text, name, outline: false } })
        .then((r) => {
          if (stale) return;
          checked.current = text;
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
      const m = modelOf(v.state.doc.toString());
      if (m.byKey.has(key)) selectNode(key, m);
    }
  };

  const selectNode = (key: string, m: GraphModel = model) => {
    setSelected(key);
    const v = view.current;
    // A past version's graph: its text is not the editor's.
    if (!v || !m.byKey.has(key) || (frozen && m === model)) return;
    const r = stepRange(m, key);
    ownCursor.current = r.to;
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

  const sel = selected ? shown.byKey.get(selected) : undefined;
  const [where, setWhere] = useState<AddWhere>('after');
  const whereFor = (): Where => {
    if (where === 'edge' && edgeAt) return whereOnEdge(model, edgeAt.from, edgeAt.to);
    if (sel && where === 'inside' && sel.lists?.length) return { list: sel.lists[0], at: 'end' };
    if (sel && where === 'after') return { after: sel.key };
    return { list: 'steps', at: 'end' };
  };

  const errors = problems.filter((p) => p.severity === 'error').length;
  const flow = useRef<ReactFlowInstance<Node, Edge> | null>(null);
  // The graph's callbacks keep their identity across renders (a run's events re-render this view
  // often), so the graph's nodes are not rebuilt for them; they call the latest closures.
  const latest = useRef({ selectNode, shown });
  latest.current = { selectNode, shown };
  const onSelectNode = useCallback((k: string) => latest.current.selectNode(k, latest.current.shown), []);
  const onAddOnEdge = useCallback((at: EdgeAt) => {
    setEdgeAt(at);
    setWhere('edge');
  }, []);
  const onInit = useCallback((i: ReactFlowInstance<Node, Edge>) => {
    flow.current = i;
  }, []);
  // The graph in view: all of it when it can be read that way, else its top at a readable zoom.
  // A new structure (a step added, moved, deleted) re-frames a small graph; a large one stays where
  // the user scrolled it, and the selected step is brought into view below.
  const canvas = useRef<HTMLDivElement>(null);
  const layoutRef = useRef(layout);
  layoutRef.current = layout;
  const reframe = useCallback((force: boolean) => {
    const f = flow.current;
    const el = canvas.current;
    if (!f || !el || !el.clientWidth || !el.clientHeight) return; // hidden (the other tab on a phone)
    // From the box's own size: xyflow's idea of it may not have caught up with a resize yet.
    const { fits, viewport } = framing(layoutRef.current, { width: el.clientWidth, height: el.clientHeight });
    if (fits || force) void f.setViewport(viewport);
  }, []);
  const framed = useRef(layout);
  useEffect(() => {
    if (tab !== 'graph' || framed.current === layout) return;
    framed.current = layout;
    requestAnimationFrame(() => reframe(false));
  }, [tab, layout, reframe]);
  useEffect(() => {
    if (tab === 'graph') requestAnimationFrame(() => reframe(true));
  }, [tab, reframe]);
  // A narrower or wider window: the graph is framed again.
  useEffect(() => {
    const el = canvas.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    let width = el.clientWidth;
    const o = new ResizeObserver(() => {
      if (el.clientWidth === width) return;
      width = el.clientWidth;
      reframe(true);
    });
    o.observe(el);
    return () => o.disconnect();
  }, [reframe]);
  // The selected step (a click in the text moves it) is scrolled into view when it is outside.
  useEffect(() => {
    const f = flow.current;
    const el = canvas.current;
    const b = selected ? layout.nodes[selected] : undefined;
    if (!f || !el || !b || tab !== 'graph') return;
    // A graph shown whole is framed again by reframe; only a scrolled one moves to the step.
    if (framing(layout, { width: el.clientWidth, height: el.clientHeight }).fits) return;
    const { x, y, zoom } = f.getViewport();
    const left = b.x * zoom + x;
    const top = b.y * zoom + y;
    const outside =
      left < 0 || top < 0 || left + b.width * zoom > el.clientWidth || top + b.height * zoom > el.clientHeight;
    if (outside) void f.setCenter(b.x + b.width / 2, b.y + b.height / 2, { zoom, duration: 200 });
  }, [selected, layout, tab]);

  return (
    <>
      <div className="head">
        <h1 id="dz-title">{name}</h1>
        <div className="row dz-status">
          <span className={`badge ${errors ? 's-failed' : 's-completed'}`} data-testid="dz-problems">
            {errors ? `${errors} problem${errors === 1 ? '' : 's'}` : 'no problems'}
          </span>
          {dirty ? <span className="muted">unsaved changes</span> : null}
          <button type="button" onClick={() => setDialog('versions')}>
            Versions
          </button>
          <button type="button" onClick={() => setDialog('runs')}>
            Runs
          </button>
          <button type="button" onClick={() => downloadText(`${name}.yaml`, text, 'application/yaml')}>
            Export
          </button>
          {canEdit ? <ImportButton onText={(t) => replaceText(t)} /> : null}
          {canEdit ? (
            <button
              type="button"
              disabled={dirty || errors > 0}
              title={
                dirty ? 'Save first: a run reads the file' : errors ? 'Fix the problems first: a run refuses them' : ''
              }
              onClick={() => setDialog('run')}
            >
              Run
            </button>
          ) : null}
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
      {dialog === 'run' ? (
        <RunDialog
          name={name}
          onClose={() => setDialog(undefined)}
          onStarted={(workflowId) => {
            setDialog(undefined);
            setWatch({ workflowId, hash: base.hash });
            setTab('graph');
          }}
        />
      ) : null}
      {dialog === 'runs' ? (
        <RunsDialog
          name={name}
          currentHash={base.hash}
          onClose={() => setDialog(undefined)}
          onOpen={(w) => {
            setDialog(undefined);
            setWatch(w);
            setTab('graph');
          }}
        />
      ) : null}
      {dialog === 'versions' ? (
        <Suspense fallback={null}>
          <VersionsDialog
            name={name}
            editorText={text}
            baseHash={base.hash}
            dirty={dirty}
            canRestore={canEdit}
            onClose={() => setDialog(undefined)}
            onRestored={(r) => {
              setBase({ text: r.text, hash: r.hash });
              replaceText(r.text);
              setSaved('Restored: the file is that version again.');
            }}
          />
        </Suspense>
      ) : null}
      {watch ? (
        <RunBanner
          run={overlay.run.data}
          other={overlay.other}
          version={overlay.version}
          versionMissing={overlay.other && overlay.versionText === null}
          onClose={() => setWatch(undefined)}
        />
      ) : null}
      {overlay.run.error ? <ErrorBox error={overlay.run.error} /> : null}
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
          {canEdit && !frozen ? (
            <Palette
              sel={sel}
              where={where}
              setWhere={setWhere}
              edge={edgeAt}
              onAdd={(kind) => {
                apply(() => addStep(text, kind, whereFor()));
                if (where === 'edge') {
                  setEdgeAt(undefined);
                  setWhere('after');
                }
              }}
              onBranch={() => sel && apply(() => addBranch(text, sel.key))}
              onUnwrap={() =>
                sel &&
                apply(
                  () => unwrapStep(text, sel.key),
                  () => undefined,
                )
              }
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
              onWrap={(kind) => sel && apply(() => wrapSteps(text, [sel.key], kind))}
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
              model={shown}
              layout={layout}
              selected={selected}
              marks={frozen ? NO_MARKS : problemSteps}
              statuses={watch ? overlay.steps : undefined}
              onSelect={onSelectNode}
              onAddOnEdge={canEdit && !frozen ? onAddOnEdge : undefined}
              onInit={onInit}
            />
          </div>
          {sel && watch ? <RunStepCard id={sel.id ?? sel.label} step={overlay.steps.get(sel.id ?? '')} /> : null}
          {sel ? (
            <Suspense fallback={<p className="muted">Loading the step&apos;s fields…</p>}>
              <StepPanel
                key={sel.key}
                model={shown}
                stepKey={sel.key}
                readOnly={!canEdit || frozen}
                marks={frozen ? undefined : problemSteps.get(sel.key)}
                onSet={(field, value) =>
                  apply(
                    () =>
                      value === undefined ? removeField(text, sel.key, field) : setField(text, sel.key, field, value),
                    (r) => (field === 'id' ? String(value) : (r.key ?? sel.key)),
                  )
                }
              />
            </Suspense>
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

type AddWhere = 'after' | 'inside' | 'end' | 'edge';
/** A sequence edge whose "+" was pressed: the next step added goes between its ends. */
interface EdgeAt {
  from: string;
  to: string;
  between: string;
}

function Palette({
  sel,
  where,
  setWhere,
  edge,
  onAdd,
  onBranch,
  onUnwrap,
  onDelete,
  onDuplicate,
  onMove,
  onWrap,
}: {
  sel: ReturnType<GraphModel['byKey']['get']>;
  where: AddWhere;
  setWhere: (w: AddWhere) => void;
  edge?: EdgeAt;
  onAdd: (k: StepKind) => void;
  onBranch: () => void;
  onUnwrap: () => void;
  onDelete: () => void;
  onDuplicate: () => void;
  onMove: (d: 'up' | 'down') => void;
  onWrap: (kind: 'parallel' | 'condition' | 'loop') => void;
}) {
  const group = sel && isGroupKind(sel.kind);
  const effective =
    where === 'edge' && edge
      ? 'edge'
      : !sel
        ? 'end'
        : where === 'inside' && !group
          ? 'after'
          : where === 'edge'
            ? 'after'
            : where;
  const first = useRef<HTMLButtonElement>(null);
  // "+" on an edge: the kinds are next, at the keyboard too.
  useEffect(() => {
    if (edge) first.current?.focus();
  }, [edge]);
  return (
    <div className="dz-palette card" role="toolbar" aria-label="Steps" data-testid="dz-palette">
      <label>
        Add
        <select aria-label="Where to add" value={effective} onChange={(e) => setWhere(e.target.value as AddWhere)}>
          {edge ? <option value="edge">between {edge.between}</option> : null}
          {sel ? <option value="after">after {sel.label}</option> : null}
          {group ? <option value="inside">inside {sel.label}</option> : null}
          <option value="end">at the end</option>
        </select>
      </label>
      <div className="dz-kinds">
        {STEP_KINDS.map((k, i) => (
          <button
            key={k}
            type="button"
            ref={i === 0 ? first : undefined}
            onClick={() => onAdd(k)}
            aria-label={`Add ${k} step`}
          >
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
          <button type="button" onClick={() => onWrap('parallel')}>
            Wrap in parallel
          </button>
          <button type="button" onClick={() => onWrap('condition')}>
            Wrap in condition
          </button>
          <button type="button" onClick={() => onWrap('loop')}>
            Wrap in loop
          </button>
          {sel.kind === 'parallel' ? (
            <button type="button" onClick={onBranch}>
              Add branch
            </button>
          ) : null}
          {group ? (
            <button type="button" onClick={onUnwrap}>
              Unwrap
            </button>
          ) : null}
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

const NO_MARKS = new Map<string, string[]>();

const STATUS_MARK: Record<Step['status'], string> = {
  pending: '○',
  running: '◐',
  done: '●',
  skipped: '–',
  failed: '✕',
};

interface StepData extends Record<string, unknown> {
  label: string;
  kind: string;
  stepKey: string;
  selected: boolean;
  marks?: string[];
  terminal?: boolean;
  /** In a run: the step's status there, and how long it took. */
  status?: Step['status'];
  took?: string;
  onSelect?: (k: string) => void;
}

function StepNodeView({ data }: NodeProps<Node<StepData>>) {
  const status = data.status ? `, ${data.status}${data.took ? ` ${data.took}` : ''}` : '';
  return (
    <div
      className={`dz-node${data.selected ? ' selected' : ''}${data.marks ? ' marked' : ''}${data.terminal ? ' terminal' : ''}${data.status ? ` st-${data.status}` : ''}`}
      data-testid="dz-node"
      data-key={data.stepKey}
      data-marked={data.marks ? 'true' : undefined}
      data-status={data.status}
      title={data.marks?.join('\n')}
    >
      <Handle type="target" position={Position.Top} isConnectable={false} />
      {data.onSelect ? (
        <button
          type="button"
          className="plain"
          aria-pressed={data.selected}
          aria-label={`${data.kind} step ${data.label}${status}${data.marks ? `: ${data.marks.join('; ')}` : ''}`}
          onClick={() => data.onSelect?.(data.stepKey)}
        >
          <span className="dz-kind">{data.kind}</span> {data.label}
          {data.marks ? <span className="dz-mark"> ⚠</span> : null}
          {data.status ? (
            <span className="dz-st" data-testid="dz-node-status">
              <span aria-hidden="true">{STATUS_MARK[data.status]}</span> {data.status}
              {data.took ? ` · ${data.took}` : ''}
            </span>
          ) : null}
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

interface AddEdgeData extends Record<string, unknown> {
  label: string;
  onAdd: () => void;
}

/** A sequence edge with a "+" at its middle: a new step goes there. */
function AddEdgeView({
  id,
  sourceX,
  sourceY,
  targetX,
  targetY,
  sourcePosition,
  targetPosition,
  style,
  data,
}: EdgeProps<Edge<AddEdgeData>>) {
  const [path, x, y] = getSmoothStepPath({ sourceX, sourceY, sourcePosition, targetX, targetY, targetPosition });
  return (
    <>
      <BaseEdge id={id} path={path} style={style} />
      {data ? (
        <EdgeLabelRenderer>
          <button
            type="button"
            className="dz-edge-add nodrag nopan"
            style={{ transform: `translate(-50%, -50%) translate(${x}px, ${y}px)` }}
            onClick={data.onAdd}
            aria-label={data.label}
            title={data.label}
            data-testid="dz-edge-add"
          >
            +
          </button>
        </EdgeLabelRenderer>
      ) : null}
    </>
  );
}

interface DataEdgeData extends Record<string, unknown> {
  /** The right-hand middle of the step whose output is read, and of the step reading it (flow coordinates, from the layout). */
  from: { x: number; y: number };
  to: { x: number; y: number };
}

/**
 * A data reference (`${{ steps.<id>.output }}`): from the right side of the step read to the right
 * side of the step reading it, bowed out to the right — the more steps between them, the further —
 * so it runs beside the column rather than across the steps in it.
 */
function DataEdgeView({ id, style, data }: EdgeProps<Edge<DataEdgeData>>) {
  if (!data) return null;
  const { from, to } = data;
  const bow = 24 + Math.min(160, Math.abs(to.y - from.y) * 0.12);
  const path = `M ${from.x} ${from.y} C ${from.x + bow} ${from.y}, ${to.x + bow} ${to.y}, ${to.x} ${to.y}`;
  return <BaseEdge id={id} path={path} style={style} />;
}

const edgeTypes = { add: AddEdgeView, data: DataEdgeView };

/** The least zoom at which a step's text is still legible. */
const MIN_ZOOM = 0.5;
const FIT = { padding: 0.1, maxZoom: 1 };
/** Graphs with more nodes than this render only the nodes in view (and the rest as they scroll in). */
const VIRTUAL_OVER = 60;

/**
 * How a graph is first shown in a box of `size`: all of it (fitted) when that keeps it legible,
 * else from its top at its width (a zoom between MIN_ZOOM and 1), centred across.
 */
function framing(layout: Layout, size: { width: number; height: number }) {
  const room = 1 - FIT.padding;
  const all = Math.min((size.width * room) / layout.width, (size.height * room) / layout.height);
  const fits = all >= MIN_ZOOM;
  const zoom = fits ? Math.min(FIT.maxZoom, all) : Math.min(1, Math.max(MIN_ZOOM, (size.width * room) / layout.width));
  const x = (size.width - layout.width * zoom) / 2;
  const y = fits ? (size.height - layout.height * zoom) / 2 : 0;
  return { fits, viewport: { x, y, zoom } };
}

/** Where xyflow finds a node's handles, known from the layout so nothing waits for a measurement. */
function handlesOf(width: number, height: number): NonNullable<Node['handles']> {
  const size = 8;
  return [
    { type: 'target', position: Position.Top, x: width / 2 - size / 2, y: -size / 2, width: size, height: size },
    {
      type: 'source',
      position: Position.Bottom,
      x: width / 2 - size / 2,
      y: height - size / 2,
      width: size,
      height: size,
    },
  ];
}

function Graph({
  model,
  layout,
  selected,
  marks,
  statuses,
  onSelect,
  onAddOnEdge,
  onInit,
}: {
  model: GraphModel;
  layout: Layout;
  selected?: string;
  marks: Map<string, string[]>;
  statuses?: Map<string, Step>;
  onSelect: (k: string) => void;
  onAddOnEdge?: (at: EdgeAt) => void;
  onInit: (i: ReactFlowInstance<Node, Edge>) => void;
}) {
  const base = useMemo(() => {
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
        width: b.width,
        height: b.height,
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
        width: b.width,
        height: b.height,
        handles: handlesOf(b.width, b.height),
        ...(c ? { parentId: `group:${c}` } : {}),
        draggable: false,
        selectable: false,
        focusable: false,
      });
    }
    const name = (k: string) =>
      k === INPUTS_KEY
        ? 'the inputs'
        : k === OUTPUTS_KEY
          ? 'the outputs'
          : k.endsWith('$end')
            ? `the end of ${model.byKey.get(k.slice(0, -4))?.label ?? k.slice(0, -4)}`
            : (model.byKey.get(k)?.label ?? k);
    const edges: Edge[] = model.edges.map((e) => ({
      id: `s:${e.from}>${e.to}`,
      source: e.from,
      target: e.to,
      type: onAddOnEdge ? 'add' : 'smoothstep',
      focusable: false,
      selectable: false,
      className: 'dz-seq',
      ...(onAddOnEdge
        ? {
            data: {
              label: `Add a step between ${name(e.from)} and ${name(e.to)}`,
              onAdd: () => onAddOnEdge({ from: e.from, to: e.to, between: `${name(e.from)} and ${name(e.to)}` }),
            } satisfies AddEdgeData,
          }
        : {}),
    }));
    const seen = new Set<string>();
    for (const d of model.data) {
      const id = `d:${d.from}>${d.to}`;
      if (seen.has(id) || !layout.nodes[d.from] || !layout.nodes[d.to]) continue;
      seen.add(id);
      const a = layout.nodes[d.from];
      const b = layout.nodes[d.to];
      edges.push({
        id,
        source: d.from,
        target: d.to,
        type: 'data',
        focusable: false,
        selectable: false,
        className: 'dz-data',
        style: { strokeDasharray: '5 4' },
        data: {
          from: { x: a.x + a.width, y: a.y + a.height / 2 },
          to: { x: b.x + b.width, y: b.y + b.height / 2 },
        } satisfies DataEdgeData,
      });
    }
    return { nodes, edges };
  }, [model, layout, selected, marks, onSelect, onAddOnEdge]);
  // A run's statuses over those nodes: a node whose status did not change keeps its object, so
  // xyflow renders again only the nodes an event changed (and never moves one).
  const withStatus = useRef(new Map<string, { base: Node; sig: string; node: Node }>());
  const nodes = useMemo(() => {
    if (!statuses) return base.nodes;
    return base.nodes.map((n) => {
      const step = n.type === 'step' ? model.byKey.get(n.id) : undefined;
      if (!step) return n;
      const run = step.id !== undefined ? statuses.get(step.id) : undefined;
      const status = run?.status ?? 'pending';
      const took = run && run.status !== 'running' ? tookOf(run) : undefined;
      const sig = `${status}|${took ?? ''}`;
      const seen = withStatus.current.get(n.id);
      if (seen && seen.base === n && seen.sig === sig) return seen.node;
      const node = { ...n, data: { ...(n.data as StepData), status, took } };
      withStatus.current.set(n.id, { base: n, sig, node });
      return node;
    });
  }, [base, statuses, model]);
  const edges = base.edges;
  // The box's size, read before the first render of the graph: the first frame is then drawn at
  // its place and zoom, and only the nodes in view are rendered (a 200-step graph scrolls).
  const box = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState<{ width: number; height: number }>();
  useLayoutEffect(() => {
    const el = box.current;
    if (el) setSize({ width: el.clientWidth, height: el.clientHeight });
  }, []);
  // Framed once, for the layout of the first render; later changes keep the user's view (see reframe).
  const first = useMemo(() => (size ? framing(layout, size).viewport : undefined), [size]);
  return (
    <div ref={box} className="dz-flow">
      {size && first ? (
        <ReactFlow
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          edgeTypes={edgeTypes}
          onInit={onInit}
          onNodeClick={(_, n) => {
            if (model.byKey.has(n.id)) onSelect(n.id);
          }}
          width={size.width}
          height={size.height}
          defaultViewport={first}
          onlyRenderVisibleElements={nodes.length > VIRTUAL_OVER}
          panOnScroll
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
      ) : null}
    </div>
  );
}
