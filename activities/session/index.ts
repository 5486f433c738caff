// Session activities: one turn of conversation in one activity (store the message, build the
// prompt from the conversation and memory, call the model, store the reply), the sessions
// projection, and checkpoints (conversation, memory, git) with rollback and fork.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type pg from 'pg';
import type { AiActivities } from '../ai';
import type { UsageStatement } from '../ai/usage';
import { notifySql } from '../../lib/live';
import { inTransaction } from '../../lib/memory/sql';
import type { ChatMessage, ModelResponse } from '../ai/types';
import type { AutosaveMode } from '../../lib/config';
import type { ActivityDeps } from '../deps';
import {
  previewOf,
  type CheckpointRecord,
  type ConversationSnapshot,
  mapNamespace,
  type NamespaceMapping,
  type ProjectRef,
  type RestoredCheckpoint,
  type TurnOutcome,
  sessionWorkflowId,
} from '../../workflows/contract/session';
import { assertCanCheckout, checkoutNewBranch, currentHead, headCommit, undoCheckout } from './git';
import { EXCHANGE_TAG, memoryContext, renamed, snapshotNamespaces, snapshotOf, type MemorySnapshot } from './memory';
import type { RestoreResult } from '../../lib/memory';
import { FAILURE_TYPES } from '../../workflows/contract/failures';

export interface TurnInput {
  sessionId: string;
  userNo: number;
  replyNo: number;
  position: number;
  text: string;
  /** Message numbers of the conversation so far (the window the workflow holds). */
  history: number[];
  system?: string;
  route?: string[];
  maxTokens?: number;
  temperature?: number;
  stream: boolean;
  namespaces: string[];
  contextTokens: number;
  /** The conversation in the prompt is cut to the most recent messages within this many tokens. */
  historyTokens: number;
  /** The sessions row as it was before this turn; the turn writes it with its own totals added. */
  projection: SessionProjection;
  /** The session's override of CLAUDE_FLOW_MEMORY_AUTOSAVE. */
  autosave?: AutosaveMode;
}

/** A decision or an error the session saves to memory (when its autosave mode is `all`). */
export interface SessionSave {
  kind: 'decision' | 'error';
  namespace: string;
  key: string;
  value: unknown;
  tags: string[];
}

export interface SessionProjection {
  sessionId: string;
  title: string;
  owner: string;
  project: string | null;
  parentId: string | null;
  status: string;
  statusReason: string | null;
  createdAt: string;
  lastActivityAt: string;
  endedAt: string | null;
  messageCount: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /**
   * The revision of the workflow state the snapshot was taken from (SessionState.nextRevision).
   * Absent in an activity scheduled by a workflow worker from before revisions.
   */
  revision?: number;
}

// The sessions row, written with plain SQL (it is on every turn's path): the projection upsert
// starting at parameter $<offset>, as the CTE `projected`, and its `session.updated` live event on
// `session:<id>` (the session's viewers) and `sessions` (the lists), in the same statement: the
// event is heard at commit, when what it announces is there to read.
//
// A write whose snapshot is older than the row's (a smaller revision) changes nothing and announces
// nothing (`projected` is empty, so is `events`): turns run beside the main loop's writes, and an
// attempt that timed out (PostgreSQL restarting, load) can still commit after a newer write. The
// same revision again (a retried attempt) writes. A snapshot without a revision (scheduled before
// revisions) writes as every write did before and leaves the row's revision as it is.
const projectionSql = (o: number) => {
  const $ = (i: number) => `$${o + i}`;
  const revision = `${$(14)}::bigint`;
  return `projected AS (
    INSERT INTO session AS s (id, title, owner, project, parent_id, status, status_reason, created_at,
      last_activity_at, ended_at, message_count, input_tokens, output_tokens, cost_usd, revision)
    VALUES (${[...Array(14).keys()].map($).join(', ')}, COALESCE(${revision}, 0))
    ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, owner = EXCLUDED.owner, project = EXCLUDED.project,
      parent_id = EXCLUDED.parent_id, status = EXCLUDED.status, status_reason = EXCLUDED.status_reason,
      created_at = EXCLUDED.created_at, last_activity_at = EXCLUDED.last_activity_at, ended_at = EXCLUDED.ended_at,
      message_count = EXCLUDED.message_count, input_tokens = EXCLUDED.input_tokens,
      output_tokens = EXCLUDED.output_tokens, cost_usd = EXCLUDED.cost_usd,
      revision = COALESCE(${revision}, s.revision)
    WHERE ${revision} IS NULL OR s.revision <= ${revision}
    RETURNING *
  ), events AS (
    INSERT INTO live_event (channel, type, data)
    SELECT c.channel, 'session.updated',
           jsonb_build_object('sessionId', p.id, 'title', p.title, 'owner', p.owner, 'project', p.project,
             'status', p.status, 'statusReason', p.status_reason, 'lastActivityAt', p.last_activity_at,
             'messageCount', p.message_count, 'inputTokens', p.input_tokens, 'outputTokens', p.output_tokens,
             'costUsd', p.cost_usd::float8)
      FROM projected p, LATERAL (VALUES ('session:' || p.id, 1), ('sessions', 2)) AS c(channel, ord)
     ORDER BY c.ord
    RETURNING id, channel, type, data, created_at
  ), notified AS (${notifySql('events')})`;
};

const projectionParams = (p: SessionProjection) => [
  p.sessionId,
  p.title,
  p.owner,
  p.project,
  p.parentId,
  p.status,
  p.statusReason,
  p.createdAt,
  p.lastActivityAt,
  p.endedAt,
  p.messageCount,
  p.inputTokens,
  p.outputTokens,
  p.costUsd,
  p.revision ?? null,
];

const SAVE_PROJECTION = `WITH ${projectionSql(1)} SELECT notified FROM notified`;

/** Writes the sessions row from a snapshot; returns how many live events were published (0: the row was newer). */
export async function writeProjection(db: Pick<pg.ClientBase, 'query'>, p: SessionProjection): Promise<number> {
  const r = await db.query<{ notified: string }>(SAVE_PROJECTION, projectionParams(p));
  return Number(r.rows[0]?.notified ?? 0);
}

// The most recent messages whose bodies fit the budget (4 characters a token), oldest first.
const HISTORY = `
  SELECT role, content FROM (
    SELECT role, content, position, sum(length(content)) OVER (ORDER BY position DESC) AS used
      FROM session_message WHERE session_id = $1 AND no = ANY($2::int[])
  ) recent
  WHERE used <= $3
  ORDER BY position`;

// Both messages of a turn (the reply with its usage, cost and the memory entries its prompt was
// given) and the sessions row, in one statement (atomic on its own). A retried turn finds the
// messages there (DO NOTHING) and writes the same row again (same revision). The messages are
// inserted even when the row refuses the turn's older snapshot (`m` runs whether read or not).
const TURN_WRITE = `
  WITH m AS (
    INSERT INTO session_message (session_id, no, position, role, content, provider, model, input_tokens, output_tokens,
                                 cost_usd, context)
    VALUES ($1, $2, $3, 'user', $4, NULL, NULL, 0, 0, NULL, NULL),
           ($1, $5, $3 + 1, 'assistant', $6, $7, $8, $9, $10, $11, $12::jsonb)
    ON CONFLICT (session_id, no) DO NOTHING
  ), ${projectionSql(13)}
  SELECT notified FROM notified`;

/** What one turn stores: its two messages, and the sessions row with the turn's totals. */
export interface TurnWrite {
  sessionId: string;
  userNo: number;
  replyNo: number;
  position: number;
  text: string;
  reply: Pick<ModelResponse, 'text' | 'provider' | 'model' | 'costUsd'> & {
    usage: Pick<ModelResponse['usage'], 'inputTokens' | 'outputTokens'>;
  };
  /** The memory entries the prompt was given. */
  context: unknown;
  row: SessionProjection;
}

/**
 * Stores a turn (TURN_WRITE): the messages always (once), the row only if its snapshot is not older
 * than the row's. Returns how many live events were published (0: the row was newer).
 */
export async function writeTurn(db: Pick<pg.ClientBase, 'query'>, w: TurnWrite): Promise<number> {
  const r = await db.query<{ notified: string }>(TURN_WRITE, [
    w.sessionId,
    w.userNo,
    w.position,
    w.text,
    w.replyNo,
    w.reply.text,
    w.reply.provider,
    w.reply.model,
    w.reply.usage.inputTokens,
    w.reply.usage.outputTokens,
    w.reply.costUsd ?? null,
    JSON.stringify(w.context),
    ...projectionParams(w.row),
  ]);
  return Number(r.rows[0]?.notified ?? 0);
}

/** How often a turn says it is alive: its heartbeat timeout (workflows/session) is 3 s. */
const TURN_HEARTBEAT_MS = 1_000;

/**
 * Runs `fn` heartbeating from its first moment to its last, not only while the model answers: the
 * reads before the call and the commit after it wait on PostgreSQL, which on a busy system can take
 * longer than the heartbeat timeout, and a live turn must not be taken for a dead one and retried.
 */
async function heartbeating<T>(fn: () => Promise<T>): Promise<T> {
  const ctx = Context.current();
  ctx.heartbeat();
  const beat = setInterval(() => ctx.heartbeat(), TURN_HEARTBEAT_MS);
  try {
    return await fn();
  } finally {
    clearInterval(beat);
  }
}

export function createSessionActivities(deps: ActivityDeps, ai: AiActivities) {
  const { prisma, pool } = deps;
  const autosaveOf = (override: AutosaveMode | undefined): AutosaveMode => override ?? deps.config.memory.autosave;

  return {
    /**
     * One conversation turn. Reads (the conversation, the memory context) side by side, then the
     * model call, then the writes side by side: the messages and the sessions row in one statement,
     * the exchange in one memory statement. Retries are safe: messages are inserted once, the model
     * answer is recorded once (callModel), the exchange is saved once (same key, same content).
     */
    sessionTurn: (input: TurnInput): Promise<TurnOutcome> =>
      heartbeating(async () => {
        const [rows, context] = await Promise.all([
          input.history.length
            ? pool
                .query<{ role: string; content: string }>(HISTORY, [
                  input.sessionId,
                  input.history,
                  input.historyTokens * 4,
                ])
                .then((r) => r.rows)
            : [],
          memoryContext(deps, input.namespaces, input.text, input.contextTokens),
        ]);
        const messages: ChatMessage[] = [
          ...rows.map((r) => ({ role: r.role as ChatMessage['role'], content: r.content })),
          { role: 'user', content: input.text },
        ];
        const system = [input.system, context.text].filter(Boolean).join('\n\n') || undefined;
        let usageRow: UsageStatement | undefined;
        const result = await ai.callModel(
          {
            task: 'chat',
            messages,
            system,
            route: input.route,
            maxTokens: input.maxTokens,
            temperature: input.temperature,
            stream: input.stream,
            sessionId: input.sessionId,
          },
          { deferUsage: (statement) => (usageRow = statement) },
        );
        if (result.outcome !== 'ok') throw ApplicationFailure.nonRetryable(result.reason, 'AiNotConfigured');
        const reply = result as ModelResponse;
        const at = new Date().toISOString();
        const p = input.projection;
        const row: SessionProjection = {
          ...p,
          lastActivityAt: at,
          messageCount: input.position + 1,
          inputTokens: p.inputTokens + reply.usage.inputTokens,
          outputTokens: p.outputTokens + reply.usage.outputTokens,
          costUsd: Math.round((p.costUsd + (reply.costUsd ?? 0)) * 1e6) / 1e6,
        };
        const exchange =
          autosaveOf(input.autosave) === 'off'
            ? []
            : deps.memory.prepareBatch([
                {
                  namespace: `sessions/${input.sessionId}/`,
                  key: `exchange-${String(input.userNo).padStart(6, '0')}`,
                  value: { user: input.text.slice(0, 4000), assistant: reply.text.slice(0, 4000) },
                  tags: [EXCHANGE_TAG],
                  provenance: {
                    sessionId: input.sessionId,
                    workflowId: Context.current().info.workflowExecution?.workflowId,
                  },
                },
              ]);
        // Every write of the turn in one transaction (one commit): the model call's usage, both
        // messages and the sessions row, and the auto-saved exchange. They are there together or not
        // at all, so a retry either finds the answer (and rewrites nothing new) or starts afresh.
        const saved = await inTransaction(pool, async (c) => {
          if (usageRow) await c.query(usageRow.text, usageRow.values);
          await writeTurn(c, {
            sessionId: input.sessionId,
            userNo: input.userNo,
            replyNo: input.replyNo,
            position: input.position,
            text: input.text,
            reply,
            context: context.used,
            row,
          });
          return exchange.length ? deps.memory.saveManyIn(c, exchange) : undefined;
        });
        await saved?.afterCommit();
        return {
          reply: reply.text,
          userPreview: previewOf(input.text),
          replyPreview: previewOf(reply.text),
          at,
          provider: reply.provider,
          model: reply.model,
          inputTokens: reply.usage.inputTokens,
          outputTokens: reply.usage.outputTokens,
          costUsd: reply.costUsd,
        };
      }),

    /**
     * Keeps the sessions table (for listing and filtering) in step with the workflow, and saves the
     * decisions and errors the workflow collected since the last call (when autosave is `all`), in
     * one memory statement whose keys come from the session (a re-run saves nothing new).
     */
    async saveSessionProjection(p: SessionProjection, extra?: { saves?: SessionSave[]; autosave?: AutosaveMode }) {
      const saves = autosaveOf(extra?.autosave) === 'all' ? (extra?.saves ?? []) : [];
      await Promise.all([
        writeProjection(pool, p),
        saves.length
          ? deps.memory.saveMany(
              saves.map((x) => ({
                namespace: x.namespace,
                key: x.key,
                value: x.value,
                tags: x.tags,
                provenance: { sessionId: p.sessionId, workflowId: sessionWorkflowId(p.sessionId) },
              })),
            )
          : undefined,
      ]);
    },

    /** Captures the conversation, the session's memory namespaces and the project's git ref. */
    async createCheckpoint(input: {
      sessionId: string;
      checkpointId: string;
      label: string;
      conversation: ConversationSnapshot;
      namespaces: string[];
      project?: ProjectRef;
    }): Promise<CheckpointRecord> {
      const existing = await prisma.sessionCheckpoint.findUnique({ where: { id: input.checkpointId } });
      if (existing) return toRecord(existing);
      const memory = await snapshotNamespaces(deps, input.namespaces);
      const gitRef = input.project?.path ? await headCommit(input.project.path) : undefined;
      const row = await prisma.sessionCheckpoint.create({
        data: {
          id: input.checkpointId,
          sessionId: input.sessionId,
          label: input.label,
          messageCount: input.conversation.messageCount,
          conversation: JSON.parse(JSON.stringify(input.conversation)) as object,
          memory: JSON.parse(JSON.stringify(memory)) as object,
          gitRef,
        },
      });
      return toRecord(row);
    },

    /**
     * Back to a checkpoint, as one unit. Every precondition is checked before anything changes (the
     * checkpoint intact; where there is a repository: a clean tree, no index.lock, the commit still
     * there). Then the repository goes to the checkpoint's commit on a fresh branch, and memory and
     * the conversation's messages are restored in one database transaction; if that fails, the
     * repository is put back where it was. So either all three take effect, or none does.
     */
    async restoreCheckpoint(input: {
      sessionId: string;
      checkpointId: string;
      project?: ProjectRef;
    }): Promise<RestoredCheckpoint> {
      const cp = await prisma.sessionCheckpoint.findUnique({ where: { id: input.checkpointId } });
      if (!cp || cp.sessionId !== input.sessionId) {
        throw ApplicationFailure.nonRetryable(
          `no checkpoint ${input.checkpointId} in session ${input.sessionId}`,
          FAILURE_TYPES.NotFound,
        );
      }
      const snapshot = snapshotOf(cp.memory);
      const conversation = cp.conversation as unknown as ConversationSnapshot | null;
      if (!snapshot || typeof conversation?.messageCount !== 'number' || !Array.isArray(conversation.recent)) {
        throw ApplicationFailure.nonRetryable(
          `checkpoint ${cp.id} is damaged (its stored conversation or memory cannot be read); nothing was rolled back`,
          FAILURE_TYPES.Unprocessable,
        );
      }
      const repo = input.project?.path && cp.gitRef ? input.project.path : undefined;
      const commit = cp.gitRef ?? undefined;
      // One branch per rollback, stable across this activity's retries.
      const info = Context.current().info;
      const branch = repo
        ? `claude-flow/rollback-${cp.id.slice(0, 8)}-${(info.workflowExecution?.runId ?? '').slice(0, 8)}-${info.activityId}`
        : undefined;
      let before: Awaited<ReturnType<typeof currentHead>> | undefined;
      if (repo && commit && branch) {
        await assertCanCheckout(repo, commit);
        before = await currentHead(repo);
        await checkoutNewBranch(repo, branch, commit);
      }
      let memory: RestoreResult;
      try {
        memory = await deps.memory.restore(
          {
            namespaces: snapshot.namespaces,
            entries: snapshot.entries,
            provenance: {
              sessionId: input.sessionId,
              workflowId: sessionWorkflowId(input.sessionId),
              rollbackOf: cp.id,
            },
          },
          async (c) => {
            await c.query(
              'UPDATE session_message SET active = false WHERE session_id = $1 AND position > $2 AND active',
              [input.sessionId, cp.messageCount],
            );
          },
        );
      } catch (err) {
        // A retried attempt that already moved HEAD has no earlier place to go back to.
        if (repo && branch && before && before.branch !== branch) {
          await undoCheckout(repo, branch, before).catch((undo: unknown) =>
            deps.logger.error({ err: undo, repo, branch }, 'rollback: could not put the repository back'),
          );
        }
        throw err;
      }
      return { conversation, branch, gitRef: commit, memory };
    },

    /**
     * Copies a checkpoint's conversation into a new session and seeds the fork's own namespaces with
     * the checkpoint's memory (`namespaces` maps each of the parent's to the fork's). Nothing of the
     * parent's changes. Idempotent: a retry writes the same messages and entries again.
     */
    async forkCheckpoint(input: {
      fromSessionId: string;
      toSessionId: string;
      checkpointId: string;
      namespaces?: NamespaceMapping[];
    }): Promise<ConversationSnapshot> {
      const cp = await prisma.sessionCheckpoint.findUnique({ where: { id: input.checkpointId } });
      if (!cp || cp.sessionId !== input.fromSessionId) {
        throw ApplicationFailure.nonRetryable(
          `no checkpoint ${input.checkpointId} in session ${input.fromSessionId}`,
          FAILURE_TYPES.NotFound,
        );
      }
      const snapshot = snapshotOf(cp.memory);
      if (!snapshot) {
        throw ApplicationFailure.nonRetryable(
          `checkpoint ${cp.id} is damaged (its stored memory cannot be read); fork from another one`,
          FAILURE_TYPES.Unprocessable,
        );
      }
      const mapping = input.namespaces ?? [
        { from: `sessions/${input.fromSessionId}/`, to: `sessions/${input.toSessionId}/` },
      ];
      const seed = renamed(snapshot, (ns) => mapNamespace(mapping, ns));
      // Namespaces the mapping does not cover are not the parent's to give: they are left out.
      const own = (ns: string) => mapping.some((m) => ns.startsWith(m.to));
      const rows = await prisma.sessionMessage.findMany({
        where: { sessionId: input.fromSessionId, active: true, position: { lte: cp.messageCount } },
      });
      await deps.memory.restore(
        {
          namespaces: seed.namespaces.filter(own),
          entries: seed.entries.filter((e) => own(e.namespace)),
          provenance: { sessionId: input.toSessionId, workflowId: sessionWorkflowId(input.toSessionId), forkOf: cp.id },
        },
        async (c) => {
          for (const m of rows) {
            await c.query(
              `INSERT INTO session_message (session_id, no, position, role, content, active, provider, model, input_tokens, output_tokens)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (session_id, no) DO NOTHING`,
              [
                input.toSessionId,
                m.no,
                m.position,
                m.role,
                m.content,
                m.active,
                m.provider,
                m.model,
                m.inputTokens,
                m.outputTokens,
              ],
            );
          }
        },
      );
      return cp.conversation as unknown as ConversationSnapshot;
    },
  };
}

function toRecord(row: {
  id: string;
  sessionId: string;
  label: string;
  messageCount: number;
  gitRef: string | null;
  memory: unknown;
  createdAt: Date;
}): CheckpointRecord {
  const memory = row.memory as MemorySnapshot | null;
  return {
    checkpointId: row.id,
    sessionId: row.sessionId,
    label: row.label,
    messageCount: row.messageCount,
    gitRef: row.gitRef ?? undefined,
    memoryEntries: memory?.entries.length ?? 0,
    createdAt: row.createdAt.toISOString(),
  };
}

export type SessionActivities = ReturnType<typeof createSessionActivities>;
