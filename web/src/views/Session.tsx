// A session: the conversation with the reply streaming in from the live channel (ai.delta on
// session:<id>), the composer, checkpoints (take, roll back with what it drops, fork), pending
// approvals answered with a comment, the runs it started, and pause / resume / end.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Suspense, lazy, useState, type FormEvent, type KeyboardEvent } from 'react';
import { Link, useLocation } from 'wouter';
import {
  BASE,
  api,
  count,
  money,
  plural,
  when,
  type Approval,
  type Checkpoint,
  type Message,
  type SessionState,
} from '../api';
import { useLive } from '../live';
import { Confirm, ErrorBox, StatusBadge, useCan } from '../ui';
import { runPath, temporalLink } from './workflow-api';
import { useTypes } from './Workflows';

interface Stream {
  key: string;
  text: string;
  seq: number;
  done: boolean;
}

export function SessionView({ id }: { id: string }) {
  const client = useQueryClient();
  const can = useCan('operator');
  const path = `/sessions/${encodeURIComponent(id)}`;
  // Live: every change of the session (status, checkpoints, approvals, runs, a finished turn) comes
  // as session.updated on session:<id>, and the reply's text as ai.delta while it is written.
  const state = useQuery({ queryKey: ['session', id], queryFn: () => api<SessionState>(path) });
  const messages = useQuery({
    queryKey: ['messages', id],
    queryFn: () => api<{ messages: Message[] }>(`${path}/messages?limit=1000`),
  });
  const [stream, setStream] = useState<Stream | undefined>();
  const [sending, setSending] = useState<string | undefined>();
  const refresh = () =>
    Promise.all([
      client.refetchQueries({ queryKey: ['session', id] }),
      client.refetchQueries({ queryKey: ['messages', id] }),
    ]);

  useLive(`session:${id}`, (e) => {
    const d = e.data as { callKey?: string; attempt?: number; seq?: number; text?: string };
    const key = `${d.callKey}#${d.attempt}`;
    if (e.type === 'ai.started') setStream({ key, text: '', seq: 0, done: false });
    else if (e.type === 'ai.delta')
      setStream((s) => {
        const base = s && s.key === key ? s : { key, text: '', seq: 0, done: false };
        return { ...base, text: base.text + (d.text ?? ''), seq: (d.seq ?? base.seq) + 1 };
      });
    else if (e.type === 'ai.completed' || e.type === 'ai.failed') setStream((s) => (s ? { ...s, done: true } : s));
    // A finished turn's messages are stored when its session.updated is heard: the streamed copy
    // gives way to the stored one.
    else if (e.type === 'session.updated') void refresh().then(() => setStream((s) => (s?.done ? undefined : s)));
    // Subscribed: read again whatever changed between the first read and the subscription.
    else if (e.type === 'live.subscribed') void refresh();
  });

  const history = temporalLink(useTypes().data?.temporalUi, `session-${id}`);

  if (state.error) return <ErrorBox error={state.error} action={<Link href="/sessions">Back to the sessions</Link>} />;
  if (!state.data) return <p className="muted">Loading the session…</p>;
  const s = state.data;
  const running = s.status === 'active' || s.status === 'waiting_approval';

  return (
    <>
      <div className="head">
        <div>
          <p className="crumbs">
            <Link href="/sessions">Sessions</Link> /
          </p>
          <h1>{s.title}</h1>
          <p className="muted">
            <StatusBadge status={s.status} /> {s.statusReason ? `${s.statusReason} · ` : ''}owner {s.owner}
            {s.project?.repo || s.project?.path ? ` · ${s.project.repo ?? s.project.path}` : ''} ·{' '}
            {plural(s.messageCount, 'message', 'messages')} · {count(s.totals.inputTokens + s.totals.outputTokens)}{' '}
            tokens · {money(s.totals.costUsd)}
            {s.parent ? (
              <>
                {' '}
                · forked from <Link href={`/sessions/${s.parent.sessionId}`}>{s.parent.sessionId.slice(0, 8)}</Link>
              </>
            ) : null}
          </p>
        </div>
        <div className="controls">
          {history ? (
            <a className="button" href={history} target="_blank" rel="noopener noreferrer">
              History in Temporal
            </a>
          ) : null}
          <a className="button" href={`${BASE}${path}/export`} download={`session-${id}.json`}>
            Export
          </a>
          {can ? <Controls id={id} state={s} /> : null}
        </div>
      </div>
      <div className="split">
        <section className="card conversation" aria-labelledby="conv-title">
          <h2 id="conv-title">Conversation</h2>
          {messages.error ? <ErrorBox error={messages.error} /> : null}
          <Conversation messages={messages.data?.messages ?? []} sending={sending} stream={stream} />
          {can && running ? (
            <Composer
              path={path}
              onSending={setSending}
              onSent={async () => {
                await refresh();
                setStream(undefined);
              }}
            />
          ) : null}
          {can && !running && s.status !== 'ended' && s.status !== 'failed' ? (
            <p className="muted">The session is paused: resume it to send messages.</p>
          ) : null}
        </section>
        <aside className="side">
          <Checkpoints id={id} path={path} state={s} canOperate={can && running} onDone={refresh} />
          <Approvals path={path} pending={s.pending} decided={s.decided} canOperate={can && running} onDone={refresh} />
          <section className="card" aria-labelledby="runs-title">
            <h2 id="runs-title">Runs</h2>
            {s.children.length === 0 ? <p className="muted">No runs started from this session.</p> : null}
            <ul className="plain">
              {s.children.map((c) => (
                <li key={c.workflowId}>
                  <StatusBadge status={c.status} /> {c.type}{' '}
                  <Link href={runPath(c.workflowId)} className="mono">
                    {c.workflowId}
                  </Link>
                  <br />
                  <span className="muted">
                    started {when(c.startedAt)}
                    {c.endedAt ? `, ended ${when(c.endedAt)}` : ''}
                  </span>
                </li>
              ))}
            </ul>
          </section>
        </aside>
      </div>
    </>
  );
}

// The Markdown renderer (a third of the app's size) is loaded with the first conversation shown;
// until it is there a reply shows as plain text.
const Markdown = lazy(() => import('../Markdown'));

function Reply({ text }: { text: string }) {
  return (
    <Suspense fallback={<p className="text">{text}</p>}>
      <Markdown text={text} />
    </Suspense>
  );
}

/** What a reply cost: its tokens in and out, and its price when the model has one. */
function Usage({ m }: { m: Message }) {
  if (m.role !== 'assistant' || m.inputTokens === undefined) return null;
  return (
    <span className="usage muted" data-testid="usage">
      {count(m.inputTokens)} in · {count(m.outputTokens ?? 0)} out ·{' '}
      {m.costUsd === null ? 'not priced' : money(m.costUsd)}
    </span>
  );
}

/** The memory entries a reply's prompt was given, each opening in the memory explorer. */
function UsedContext({ m }: { m: Message }) {
  if (m.role !== 'assistant' || !m.context?.length) return null;
  return (
    <details className="used-context" data-testid="used-context">
      <summary className="muted">Memory used: {plural(m.context.length, 'entry', 'entries')}</summary>
      <ul>
        {m.context.map((c) => (
          <li key={`${c.namespace}\u0000${c.key}`}>
            <Link href={`/memory?in=${encodeURIComponent(c.namespace)}&key=${encodeURIComponent(c.key)}`}>
              <span className="mono">
                {c.namespace}
                {c.key}
              </span>
            </Link>{' '}
            <span className="muted">
              version {c.version} · score {c.score.toFixed(2)}
            </span>
          </li>
        ))}
      </ul>
    </details>
  );
}

function Conversation({ messages, sending, stream }: { messages: Message[]; sending?: string; stream?: Stream }) {
  return (
    <ol className="messages" aria-live="polite">
      {messages.length === 0 && !stream ? <li className="muted">No messages yet.</li> : null}
      {messages.map((m) => (
        <li key={m.no} className={`msg ${m.role}`} data-testid="message">
          <span className="who">
            {m.role === 'user' ? 'You' : m.role === 'assistant' ? (m.model ?? 'Assistant') : m.role}
            <span className="muted"> · {when(m.at)}</span>
            <Usage m={m} />
          </span>
          {m.role === 'user' ? <p className="text">{m.content}</p> : <Reply text={m.content} />}
          <UsedContext m={m} />
        </li>
      ))}
      {sending ? (
        <li className="msg user pending" data-testid="sending">
          <span className="who">You · sending…</span>
          <p className="text">{sending}</p>
        </li>
      ) : null}
      {stream ? (
        <li className="msg assistant streaming" data-testid="streaming" aria-busy={!stream.done}>
          <span className="who">Assistant {stream.done ? '' : '· writing…'}</span>
          <p className="text">{stream.text}</p>
        </li>
      ) : null}
    </ol>
  );
}

function Composer({
  path,
  onSending,
  onSent,
}: {
  path: string;
  onSending: (text: string | undefined) => void;
  onSent: () => Promise<void>;
}) {
  const [text, setText] = useState('');
  const send = useMutation({
    mutationFn: (t: string) => api(`${path}/messages`, { method: 'POST', body: { text: t } }),
    onMutate: (t) => {
      onSending(t);
      setText('');
    },
    onSuccess: onSent,
    onError: (_err, t) => setText(t),
    onSettled: () => {
      onSending(undefined);
    },
  });
  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    if (text.trim() && !send.isPending) send.mutate(text.trim());
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) submit();
  };
  return (
    <form className="composer" onSubmit={submit}>
      {send.error ? <ErrorBox error={send.error} /> : null}
      <label htmlFor="composer-text" className="sr-only">
        Message
      </label>
      <textarea
        id="composer-text"
        rows={3}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKey}
        placeholder="Write a message (Ctrl+Enter sends)"
      />
      <div className="row end">
        <button type="submit" className="primary" disabled={send.isPending || !text.trim()}>
          {send.isPending ? 'Waiting for the reply…' : 'Send'}
        </button>
      </div>
    </form>
  );
}

function Controls({ id, state }: { id: string; state: SessionState }) {
  const [ending, setEnding] = useState(false);
  const act = useMutation({
    mutationFn: (action: 'pause' | 'resume' | 'end') =>
      api(`/sessions/${encodeURIComponent(id)}/${action}`, { method: 'POST', body: {} }),
    // A signal is accepted before the session acts on it: its session.updated brings the new status.
  });
  if (state.status === 'ended' || state.status === 'failed') return null;
  return (
    <div className="controls">
      {state.status === 'paused' ? (
        <button type="button" onClick={() => act.mutate('resume')} disabled={act.isPending}>
          Resume
        </button>
      ) : (
        <button type="button" onClick={() => act.mutate('pause')} disabled={act.isPending}>
          Pause
        </button>
      )}
      <button type="button" className="danger" onClick={() => setEnding(true)} disabled={act.isPending}>
        End session
      </button>
      {act.error ? <ErrorBox error={act.error} /> : null}
      {ending ? (
        <Confirm
          title="End this session?"
          confirmLabel="End session"
          onCancel={() => setEnding(false)}
          onConfirm={() => {
            setEnding(false);
            act.mutate('end');
          }}
        >
          <p>
            An ended session takes no more messages. Its conversation and checkpoints stay; fork a checkpoint to go on.
          </p>
        </Confirm>
      ) : null}
    </div>
  );
}

interface RollbackResult {
  rollback: { branch?: string; gitRef?: string; memory: { restored: number; deleted: number; expired: number } };
}

function Checkpoints({
  id,
  path,
  state,
  canOperate,
  onDone,
}: {
  id: string;
  path: string;
  state: SessionState;
  canOperate: boolean;
  onDone: () => unknown;
}) {
  const [, navigate] = useLocation();
  const [label, setLabel] = useState('');
  const [confirming, setConfirming] = useState<Checkpoint | undefined>();
  const [done, setDone] = useState<string | undefined>();
  const take = useMutation({
    mutationFn: () => api<Checkpoint>(`${path}/checkpoints`, { method: 'POST', body: label ? { label } : {} }),
    onSuccess: (cp) => {
      setLabel('');
      setDone(`Checkpoint "${cp.label}" taken at message ${cp.messageCount}.`);
      onDone();
    },
  });
  const rollback = useMutation({
    mutationFn: (cp: Checkpoint) =>
      api<RollbackResult>(`${path}/rollback`, { method: 'POST', body: { checkpointId: cp.checkpointId } }),
    onSuccess: (r, cp) => {
      const m = r.rollback.memory;
      setDone(
        `Rolled back to "${cp.label}": ${plural(m.restored, 'memory entry', 'memory entries')} restored, ${m.deleted} deleted` +
          (r.rollback.branch ? `; the repository is on the new branch ${r.rollback.branch}` : '') +
          '.',
      );
      onDone();
    },
  });
  const fork = useMutation({
    mutationFn: (cp: Checkpoint) =>
      api<{ sessionId: string }>(`${path}/fork`, { method: 'POST', body: { checkpointId: cp.checkpointId } }),
    onSuccess: (r) => navigate(`/sessions/${r.sessionId}`),
  });
  const error = take.error ?? rollback.error ?? fork.error;
  const cps = [...state.checkpoints].reverse();
  return (
    <section className="card" aria-labelledby="cp-title">
      <h2 id="cp-title">Checkpoints</h2>
      {canOperate ? (
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            take.mutate();
          }}
        >
          <label htmlFor={`cp-label-${id}`} className="sr-only">
            Checkpoint label
          </label>
          <input
            id={`cp-label-${id}`}
            value={label}
            onChange={(e) => setLabel(e.target.value)}
            placeholder="Label (optional)"
          />
          <button type="submit" disabled={take.isPending}>
            Take checkpoint
          </button>
        </form>
      ) : null}
      {done ? (
        <p className="notice" role="status">
          {done}
        </p>
      ) : null}
      {error ? <ErrorBox error={error} /> : null}
      {cps.length === 0 ? <p className="muted">No checkpoints yet.</p> : null}
      <ol className="timeline">
        {cps.map((cp) => (
          <li key={cp.checkpointId} data-testid="checkpoint">
            <strong>{cp.label}</strong>
            <span className="muted">
              {' '}
              · {when(cp.createdAt)} · at message {cp.messageCount} ·{' '}
              {plural(cp.memoryEntries, 'memory entry', 'memory entries')}
              {cp.gitRef ? ` · commit ${cp.gitRef.slice(0, 10)}` : ''}
            </span>
            {canOperate ? (
              <div className="row">
                <button type="button" onClick={() => setConfirming(cp)} disabled={rollback.isPending}>
                  Roll back…
                </button>
                <button type="button" onClick={() => fork.mutate(cp)} disabled={fork.isPending}>
                  Fork
                </button>
              </div>
            ) : null}
          </li>
        ))}
      </ol>
      {confirming ? (
        <Confirm
          title={`Roll back to "${confirming.label}"?`}
          confirmLabel="Roll back"
          onCancel={() => setConfirming(undefined)}
          onConfirm={() => {
            rollback.mutate(confirming);
            setConfirming(undefined);
          }}
        >
          <p>This drops, together or not at all:</p>
          <ul>
            <li>
              <strong>
                {plural(Math.max(0, state.messageCount - confirming.messageCount), 'message', 'messages')}
              </strong>{' '}
              written after the checkpoint (the conversation goes back to its first {confirming.messageCount});
            </li>
            <li>
              memory entries written since in the session&apos;s own namespaces (the{' '}
              {plural(confirming.memoryEntries, 'captured entry comes', 'captured entries come')} back, at new
              versions);
            </li>
            <li>
              {confirming.gitRef
                ? `the repository's later commits: it is put at ${confirming.gitRef.slice(0, 10)} on a new branch (the current branch stays as it is)`
                : 'no repository state: the session has no git commit recorded at this checkpoint'}
              .
            </li>
          </ul>
        </Confirm>
      ) : null}
    </section>
  );
}

function Approvals({
  path,
  pending,
  decided,
  canOperate,
  onDone,
}: {
  path: string;
  pending: Approval[];
  decided: SessionState['decided'];
  canOperate: boolean;
  onDone: () => unknown;
}) {
  return (
    <section className="card" aria-labelledby="ap-title">
      <h2 id="ap-title">Approvals</h2>
      {pending.length === 0 ? <p className="muted">Nothing waits for an answer.</p> : null}
      <ul className="plain">
        {pending.map((a) => (
          <PendingApproval key={a.requestId} path={path} approval={a} canOperate={canOperate} onDone={onDone} />
        ))}
      </ul>
      {decided.length ? (
        <>
          <h3>Decided</h3>
          <ul className="plain">
            {decided
              .slice(-5)
              .reverse()
              .map((d) => (
                <li key={d.requestId}>
                  <StatusBadge status={d.outcome} /> by {d.decidedBy}, {when(d.decidedAt)}
                  {d.comment ? <span className="muted"> — “{d.comment}”</span> : null}
                </li>
              ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

function PendingApproval({
  path,
  approval,
  canOperate,
  onDone,
}: {
  path: string;
  approval: Approval;
  canOperate: boolean;
  onDone: () => unknown;
}) {
  const [comment, setComment] = useState('');
  const decide = useMutation({
    mutationFn: (decision: 'approve' | 'reject') =>
      api(`${path}/approvals/${encodeURIComponent(approval.requestId)}`, {
        method: 'POST',
        body: { decision, ...(comment ? { comment } : {}) },
      }),
    onSuccess: onDone,
  });
  const fieldId = `comment-${approval.requestId}`;
  return (
    <li className="approval">
      <strong>{approval.title}</strong>
      <span className="muted">
        {' '}
        · from {approval.from} · {when(approval.requestedAt)}
        {approval.deadline ? ` · ${approval.defaultOutcome ?? 'decided'} by default at ${when(approval.deadline)}` : ''}
      </span>
      {approval.details ? <p className="text">{approval.details}</p> : null}
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
          {decide.error ? <ErrorBox error={decide.error} /> : null}
        </>
      ) : null}
    </li>
  );
}
