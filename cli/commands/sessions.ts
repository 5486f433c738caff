// claude-flow session …: durable AI sessions (start, converse with a streamed reply, checkpoints,
// rollback, fork, approvals, pause/resume/end, export/import).
import type { SendMessageResult } from '../../workflows/contract/session';
import fs from 'node:fs';
import type { Command } from 'commander';
import { BASE, seg, type LiveEvent } from '../client';
import { action, intOption, listOption, type Ctx } from '../context';
import { UsageError } from '../errors';
import { ago, truncate } from '../output';

const S = (id: string) => `${BASE}/sessions/${seg(id)}`;

interface SessionView {
  sessionId: string;
  title: string;
  owner: string;
  status: string;
  statusReason?: string;
  createdAt: string;
  lastActivityAt: string;
  messageCount: number;
  project?: { repo?: string; pullRequest?: number; path?: string };
  parent?: { sessionId: string; checkpointId: string };
  totals?: { inputTokens: number; outputTokens: number; costUsd: number };
  checkpoints?: Checkpoint[];
  pending?: Approval[];
  children?: { workflowId: string; type: string; status: string }[];
}
interface Checkpoint {
  checkpointId: string;
  label: string;
  messageCount: number;
  gitRef?: string;
  memoryEntries?: number;
  createdAt: string;
}
interface Approval {
  requestId: string;
  title: string;
  from?: string;
  deadline?: string;
}
/** The reply to `session send`: the session's sendMessage result, as the API returns it. */
type Reply = SendMessageResult;

export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = file === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file} is not JSON (${(err as Error).message})`);
  }
}

function project(p: SessionView['project']): string {
  if (!p) return '';
  if (p.repo) return p.pullRequest ? `${p.repo}#${p.pullRequest}` : p.repo;
  return p.path ?? '';
}

export function registerSessions(program: Command): void {
  const session = program.command('session').description('Durable AI sessions: converse, checkpoint, roll back, fork');

  session
    .command('start')
    .description('Start a session')
    .argument('<title>', 'what the session is about')
    .option('--owner <name>', 'who owns it (default: local)')
    .option('--id <sessionId>', 'choose the id (letters, digits, _ and -)')
    .option('--repo <owner/name>', 'a GitHub repository the session is about')
    .option('--pr <number>', 'a pull request of --repo', intOption('--pr'))
    .option('--path <dir>', 'a local project directory')
    .option('--route <providers>', 'comma-separated providers, e.g. anthropic,openai:gpt-4o', listOption)
    .option('--system <text>', 'a system prompt')
    .action(
      action(async ({ api, out }: Ctx, title: string, o) => {
        const proj = o.repo || o.pr || o.path ? { repo: o.repo, pullRequest: o.pr, path: o.path } : undefined;
        const settings = o.route || o.system ? { route: o.route, system: o.system } : undefined;
        const res = await api.post<{ sessionId: string; workflowId: string }>(`${BASE}/sessions`, {
          title,
          owner: o.owner,
          sessionId: o.id,
          project: proj,
          settings,
        });
        out.result(res, () => {
          out.line(res.sessionId);
          out.note(out.dim(`started; talk to it with: claude-flow session send ${res.sessionId} "…"`));
        });
      }),
    );

  session
    .command('list')
    .description('List sessions, most recently active first')
    .option('--status <status>', 'active, paused, waiting_approval, ended or failed')
    .option('--owner <name>', 'only this owner')
    .option('--project <ref>', 'only this project (owner/name or path)')
    .option('--limit <n>', 'at most this many (1-500)', intOption('--limit', 1, 500))
    .option('--offset <n>', 'skip this many', intOption('--offset', 0))
    .action(
      action(async ({ api, out }: Ctx, o) => {
        const res = await api.get<{ total: number; sessions: (SessionView & { project?: string })[] }>(
          `${BASE}/sessions`,
          { status: o.status, owner: o.owner, project: o.project, limit: o.limit, offset: o.offset },
        );
        out.result(res, () => {
          out.table(
            ['ID', 'TITLE', 'STATUS', 'MESSAGES', 'OWNER', 'PROJECT', 'ACTIVE'],
            res.sessions.map((s) => [
              s.sessionId,
              truncate(s.title, 40),
              out.status(s.status),
              s.messageCount,
              s.owner,
              typeof s.project === 'string' ? s.project : project(s.project),
              ago(s.lastActivityAt),
            ]),
            'no sessions (start one with: claude-flow session start "<title>")',
          );
          if (res.total > res.sessions.length) out.note(out.dim(`${res.sessions.length} of ${res.total}`));
        });
      }),
    );

  session
    .command('show')
    .description("A session's state; with --messages, its conversation")
    .argument('<sessionId>')
    .option('--messages', 'print the conversation too')
    .action(
      action(async ({ api, out }: Ctx, id: string, o) => {
        const state = await api.get<SessionView>(S(id));
        const messages = o.messages
          ? (await api.get<{ messages: { no: number; role: string; content: string }[] }>(`${S(id)}/messages`)).messages
          : undefined;
        out.result(messages ? { ...state, messages } : state, () => {
          out.fields([
            ['session', state.sessionId],
            ['title', state.title],
            ['status', out.status(state.status) + (state.statusReason ? ` (${state.statusReason})` : '')],
            ['owner', state.owner],
            ['project', project(state.project)],
            ['parent', state.parent ? `${state.parent.sessionId} @ ${state.parent.checkpointId}` : undefined],
            ['messages', String(state.messageCount)],
            [
              'tokens',
              state.totals
                ? `${state.totals.inputTokens} in, ${state.totals.outputTokens} out, $${state.totals.costUsd.toFixed(4)}`
                : undefined,
            ],
            ['checkpoints', String(state.checkpoints?.length ?? 0)],
            ['created', state.createdAt],
            ['last active', ago(state.lastActivityAt)],
          ]);
          if (state.pending?.length) {
            out.line();
            out.line(out.bold('Pending approvals'));
            out.table(
              ['REQUEST', 'TITLE', 'FROM', 'DEADLINE'],
              state.pending.map((p) => [p.requestId, truncate(p.title, 50), p.from, p.deadline]),
            );
          }
          if (state.children?.length) {
            out.line();
            out.line(out.bold('Workflows'));
            out.table(
              ['WORKFLOW', 'TYPE', 'STATUS'],
              state.children.map((c) => [c.workflowId, c.type, out.status(c.status)]),
            );
          }
          for (const m of messages ?? []) {
            out.line();
            out.line(out.bold(`${m.no}. ${m.role}`));
            out.line(m.content);
          }
        });
      }),
    );

  session
    .command('send')
    .description('Send a message and print the reply as it streams in (--json: JSON lines, see README)')
    .argument('<sessionId>')
    .argument('<text...>', 'the message ("-" reads it from stdin)')
    .option('--no-stream', 'wait for the whole reply instead of streaming it')
    .option('--route <providers>', 'providers for this message only', listOption)
    .option('--max-tokens <n>', 'longest reply, in tokens', intOption('--max-tokens', 1, 200_000))
    .action(
      action(async (ctx: Ctx, id: string, words: string[], o) => {
        const text = words.length === 1 && words[0] === '-' ? fs.readFileSync(0, 'utf8') : words.join(' ');
        if (!text.trim()) throw new UsageError('the message is empty: give some text, or "-" to read it from stdin');
        await send(ctx, id, { text, stream: o.stream !== false, route: o.route, maxTokens: o.maxTokens });
      }),
    );

  session
    .command('checkpoint')
    .description('Take a checkpoint (conversation, memory and git ref)')
    .argument('<sessionId>')
    .option('--label <text>', 'a name for it')
    .action(
      action(async ({ api, out }: Ctx, id: string, o) => {
        const cp = await api.post<Checkpoint>(`${S(id)}/checkpoints`, { label: o.label });
        out.result(cp, () => {
          out.line(cp.checkpointId);
          out.note(out.dim(`checkpoint "${cp.label}" at ${cp.messageCount} messages`));
        });
      }),
    );

  session
    .command('checkpoints')
    .description('List checkpoints')
    .argument('<sessionId>')
    .action(
      action(async ({ api, out }: Ctx, id: string) => {
        const res = await api.get<{ checkpoints: Checkpoint[] }>(`${S(id)}/checkpoints`);
        out.result(res, () =>
          out.table(
            ['CHECKPOINT', 'LABEL', 'MESSAGES', 'GIT REF', 'MEMORY', 'CREATED'],
            res.checkpoints.map((c) => [
              c.checkpointId,
              c.label,
              c.messageCount,
              c.gitRef?.slice(0, 12),
              c.memoryEntries,
              c.createdAt,
            ]),
            'no checkpoints (take one with: claude-flow session checkpoint <sessionId>)',
          ),
        );
      }),
    );

  session
    .command('rollback')
    .description('Roll the session back to a checkpoint')
    .argument('<sessionId>')
    .argument('<checkpointId>')
    .action(
      action(async ({ api, out }: Ctx, id: string, checkpointId: string) => {
        const state = await api.post<SessionView>(`${S(id)}/rollback`, { checkpointId });
        out.result(state, () => out.line(`rolled back ${id} to ${checkpointId}: ${state.messageCount} messages`));
      }),
    );

  session
    .command('fork')
    .description('Start a new session from a checkpoint')
    .argument('<sessionId>')
    .argument('<checkpointId>')
    .option('--title <title>', 'title of the new session')
    .action(
      action(async ({ api, out }: Ctx, id: string, checkpointId: string, o) => {
        const res = await api.post<{ sessionId: string; workflowId: string }>(`${S(id)}/fork`, {
          checkpointId,
          title: o.title,
        });
        out.result(res, () => out.line(res.sessionId));
      }),
    );

  for (const decision of ['approve', 'reject'] as const) {
    session
      .command(decision)
      .description(`${decision === 'approve' ? 'Approve' : 'Reject'} a pending approval of a session`)
      .argument('<sessionId>')
      .argument('<requestId>', 'from `claude-flow session show`')
      .option('--comment <text>', 'why')
      .action(
        action(async ({ api, out }: Ctx, id: string, requestId: string, o) => {
          const res = await api.post<{ outcome: string; requestId: string }>(`${S(id)}/approvals/${seg(requestId)}`, {
            decision,
            comment: o.comment,
          });
          out.result(res, () => out.line(`${res.requestId}: ${out.status(res.outcome)}`));
        }),
      );
  }

  for (const [name, what] of [
    ['pause', 'Pause (messages are refused until resumed)'],
    ['resume', 'Resume a paused session'],
    ['end', 'End the session'],
  ] as const) {
    const cmd = session.command(name).description(what).argument('<sessionId>');
    if (name !== 'resume') cmd.option('--reason <text>', 'why');
    cmd.action(
      action(async ({ api, out }: Ctx, id: string, o) => {
        const res = await api.post<{ accepted: string }>(`${S(id)}/${name}`, o.reason ? { reason: o.reason } : {});
        out.result(res, () => out.line(`${name}: accepted for ${id}`));
      }),
    );
  }

  session
    .command('export')
    .description('Export a session as JSON (to stdout, or --output file)')
    .argument('<sessionId>')
    .option('-o, --output <file>', 'write it here')
    .action(
      action(async ({ api, out }: Ctx, id: string, o) => {
        const doc = await api.get<{ messages: unknown[] }>(`${S(id)}/export`);
        if (o.output) {
          fs.writeFileSync(o.output, `${JSON.stringify(doc, null, 2)}\n`);
          out.result({ file: o.output, messages: doc.messages.length }, () =>
            out.line(`wrote ${o.output} (${doc.messages.length} messages)`),
          );
        } else out.line(JSON.stringify(doc, null, 2));
      }),
    );

  session
    .command('import')
    .description('Import an exported session as a new session')
    .argument('<file>', 'an export document ("-" reads stdin)')
    .option('--id <sessionId>', 'id for the imported session')
    .action(
      action(async ({ api, out }: Ctx, file: string, o) => {
        const doc = readJsonFile(file) as Record<string, unknown>;
        if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
          throw new UsageError(`${file} is not a session export (claude-flow session export <id>)`);
        const res = await api.post<{ sessionId: string; messages: number }>(`${BASE}/sessions/import`, {
          ...doc,
          ...(o.id ? { sessionId: o.id } : {}),
        });
        out.result(res, () => out.line(res.sessionId));
      }),
    );
}

/**
 * Subscribes to the session's live channel, posts the message and prints the reply's deltas as
 * they arrive; what is printed in the end equals the final reply (a retried or fallen-back attempt
 * starts over on a new line).
 */
async function send(
  { api, out }: Ctx,
  id: string,
  body: { text: string; stream: boolean; route?: string[]; maxTokens?: number },
): Promise<void> {
  if (!body.stream) {
    const r = await out.spin('waiting for the reply', () => api.post<Reply>(`${S(id)}/messages`, body));
    if (out.json) out.jsonLine({ event: 'reply', ...r });
    else {
      out.line(r.reply);
      out.note(out.dim(stats(r)));
    }
    return;
  }
  let attempt: string | undefined;
  let printed = '';
  let finished = false;
  let onFinish: (() => void) | undefined;
  const seen = new Map<string, number>();
  const onEvent = (e: LiveEvent) => {
    const d = (e.data ?? {}) as { callKey?: string; attempt?: number; provider?: string; text?: string; seq?: number };
    const key = `${d.callKey}#${d.attempt}`;
    if (e.type === 'ai.started') {
      if (attempt !== undefined && attempt !== key && printed) {
        if (!out.json) out.write('\n');
        out.note(out.yellow(`(that attempt failed; trying again with ${d.provider ?? 'another provider'})`));
      }
      attempt = key;
      printed = '';
      finished = false;
      if (out.json) out.jsonLine({ event: 'started', provider: d.provider, attempt: d.attempt });
    } else if (e.type === 'ai.delta' && typeof d.text === 'string') {
      attempt ??= key;
      if (key !== attempt) return;
      if ((seen.get(key) ?? -1) >= (d.seq ?? 0)) return; // a duplicate delivery
      seen.set(key, d.seq ?? 0);
      printed += d.text;
      if (out.json) out.jsonLine({ event: 'delta', seq: d.seq, text: d.text });
      else out.write(d.text);
    } else if ((e.type === 'ai.completed' || e.type === 'ai.failed') && key === attempt) {
      finished = e.type === 'ai.completed';
      if (finished) onFinish?.();
    }
  };
  const sub = await api.live([`session:${id}`], onEvent);
  let reply: Reply;
  try {
    reply = await api.post<Reply>(`${S(id)}/messages`, body);
    // The last deltas may still be on their way (they were published before the reply returned).
    if (!finished)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 2_000);
        onFinish = () => {
          clearTimeout(t);
          resolve();
        };
      });
  } finally {
    await sub.close();
  }
  if (out.json) {
    out.jsonLine({ event: 'reply', ...reply });
    return;
  }
  if (reply.reply.startsWith(printed)) out.write(reply.reply.slice(printed.length));
  else {
    out.write('\n');
    out.note(out.yellow('(the streamed text differs from the final reply, which follows)'));
    out.write(reply.reply);
  }
  out.write('\n');
  out.note(out.dim(stats(reply)));
}

function stats(r: Reply): string {
  const cost = r.costUsd === null ? '' : `, $${r.costUsd.toFixed(4)}`;
  return `(${r.provider}/${r.model}, ${r.inputTokens} in / ${r.outputTokens} out${cost})`;
}
