// Session activities: one turn of conversation in one activity (store the message, build the
// prompt from the conversation and memory, call the model, store the reply), the sessions
// projection, and checkpoints (conversation, memory, git) with rollback and fork.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { AiActivities } from '../ai';
import type { ChatMessage, ModelResponse } from '../ai/types';
import type { ActivityDeps } from '../deps';
import { previewOf, type ConversationSnapshot, type TurnOutcome } from '../../workflows/session/state';
import type { CheckpointRecord, ProjectRef } from '../../workflows/session/types';
import { assertClean, checkoutNewBranch, headCommit } from './git';
import { EXCHANGE_TAG, memoryContext, restoreSnapshot, snapshotNamespaces, type MemorySnapshot } from './memory';

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
}

export function createSessionActivities(deps: ActivityDeps, ai: AiActivities) {
  const { prisma } = deps;

  async function saveProjection(p: SessionProjection): Promise<void> {
    const data = {
      title: p.title,
      owner: p.owner,
      project: p.project,
      parentId: p.parentId,
      status: p.status,
      statusReason: p.statusReason,
      createdAt: new Date(p.createdAt),
      lastActivityAt: new Date(p.lastActivityAt),
      endedAt: p.endedAt ? new Date(p.endedAt) : null,
      messageCount: p.messageCount,
      inputTokens: p.inputTokens,
      outputTokens: p.outputTokens,
      costUsd: p.costUsd,
    };
    await prisma.session.upsert({ where: { id: p.sessionId }, create: { id: p.sessionId, ...data }, update: data });
  }

  return {
    /** One conversation turn. Retries are safe: messages are upserted, the model answer is recorded once. */
    async sessionTurn(input: TurnInput): Promise<TurnOutcome> {
      // Reads first (the conversation and memory context, side by side), then the model call,
      // then the writes (side by side: they are independent and each is idempotent on retry).
      const [rows, context] = await Promise.all([
        input.history.length
          ? // The most recent messages whose bodies fit the budget (4 characters a token), oldest first.
            prisma.$queryRaw<{ role: string; content: string }[]>`
              SELECT role, content FROM (
                SELECT role, content, position,
                       sum(length(content)) OVER (ORDER BY position DESC) AS used
                  FROM session_message
                 WHERE session_id = ${input.sessionId} AND no = ANY(${input.history}::int[])
              ) recent
              WHERE used <= ${input.historyTokens * 4}
              ORDER BY position`
          : [],
        memoryContext(deps, input.namespaces, input.text, input.contextTokens),
      ]);
      const messages: ChatMessage[] = [
        ...rows.map((r) => ({ role: r.role as ChatMessage['role'], content: r.content })),
        { role: 'user', content: input.text },
      ];
      const system = [input.system, context].filter(Boolean).join('\n\n') || undefined;
      const result = await ai.callModel({
        task: 'chat',
        messages,
        system,
        route: input.route,
        maxTokens: input.maxTokens,
        temperature: input.temperature,
        stream: input.stream,
        sessionId: input.sessionId,
      });
      if (result.outcome !== 'ok') throw ApplicationFailure.nonRetryable(result.reason, 'AiNotConfigured');
      const reply = result as ModelResponse;
      const at = new Date().toISOString();
      const p = input.projection;
      await Promise.all([
        // Both messages in one statement; a retried turn finds them and writes nothing. (Until now
        // the user's text was safe in the workflow's history, as the update's input.)
        prisma.sessionMessage.createMany({
          skipDuplicates: true,
          data: [
            {
              sessionId: input.sessionId,
              no: input.userNo,
              position: input.position,
              role: 'user',
              content: input.text,
            },
            {
              sessionId: input.sessionId,
              no: input.replyNo,
              position: input.position + 1,
              role: 'assistant',
              content: reply.text,
              provider: reply.provider,
              model: reply.model,
              inputTokens: reply.usage.inputTokens,
              outputTokens: reply.usage.outputTokens,
            },
          ],
        }),
        saveProjection({
          ...p,
          lastActivityAt: at,
          messageCount: input.position + 1,
          inputTokens: p.inputTokens + reply.usage.inputTokens,
          outputTokens: p.outputTokens + reply.usage.outputTokens,
          costUsd: Math.round((p.costUsd + (reply.costUsd ?? 0)) * 1e6) / 1e6,
        }),
        // Auto-save: the exchange, under a key derived from the message number (a retry overwrites
        // the same entry with the same content).
        deps.memory.set({
          namespace: `sessions/${input.sessionId}/`,
          key: `exchange-${String(input.userNo).padStart(6, '0')}`,
          value: { user: input.text.slice(0, 4000), assistant: reply.text.slice(0, 4000) },
          tags: [EXCHANGE_TAG],
          provenance: { sessionId: input.sessionId, workflowId: Context.current().info.workflowExecution?.workflowId },
        }),
      ]);
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
    },

    /** Keeps the sessions table (for listing and filtering) in step with the workflow. */
    async saveSessionProjection(p: SessionProjection): Promise<void> {
      await saveProjection(p);
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
     * Back to a checkpoint: refuses first if the local repository has uncommitted changes (nothing
     * is touched then); otherwise restores memory, checks the ref out on a new branch and marks
     * later messages as rolled back.
     */
    async restoreCheckpoint(input: { sessionId: string; checkpointId: string; project?: ProjectRef }) {
      const cp = await prisma.sessionCheckpoint.findUnique({ where: { id: input.checkpointId } });
      if (!cp || cp.sessionId !== input.sessionId) {
        throw ApplicationFailure.nonRetryable(
          `no checkpoint ${input.checkpointId} in session ${input.sessionId}`,
          'NotFound',
        );
      }
      const repo = input.project?.path;
      if (repo && cp.gitRef) await assertClean(repo);
      await restoreSnapshot(deps, cp.memory as unknown as MemorySnapshot);
      let branch: string | undefined;
      if (repo && cp.gitRef) {
        branch = `claude-flow/rollback-${cp.id.slice(0, 8)}`;
        await checkoutNewBranch(repo, branch, cp.gitRef);
      }
      await prisma.sessionMessage.updateMany({
        where: { sessionId: input.sessionId, position: { gt: cp.messageCount }, active: true },
        data: { active: false },
      });
      return {
        conversation: cp.conversation as unknown as ConversationSnapshot,
        branch,
        gitRef: cp.gitRef ?? undefined,
      };
    },

    /** Copies a checkpoint's conversation (and memory) into a new session; returns its snapshot. */
    async forkCheckpoint(input: { fromSessionId: string; toSessionId: string; checkpointId: string }) {
      const cp = await prisma.sessionCheckpoint.findUnique({ where: { id: input.checkpointId } });
      if (!cp || cp.sessionId !== input.fromSessionId) {
        throw ApplicationFailure.nonRetryable(
          `no checkpoint ${input.checkpointId} in session ${input.fromSessionId}`,
          'NotFound',
        );
      }
      const rows = await prisma.sessionMessage.findMany({
        where: { sessionId: input.fromSessionId, active: true, position: { lte: cp.messageCount } },
      });
      await prisma.sessionMessage.createMany({
        skipDuplicates: true,
        data: rows.map(({ id: _id, sessionId: _s, createdAt: _c, ...r }) => ({ ...r, sessionId: input.toSessionId })),
      });
      await restoreSnapshot(deps, cp.memory as unknown as MemorySnapshot, {
        from: `sessions/${input.fromSessionId}/`,
        to: `sessions/${input.toSessionId}/`,
      });
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
