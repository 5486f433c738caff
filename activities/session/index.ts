// Session activities: one turn of conversation in one activity (store the message, build the
// prompt from the conversation and memory, call the model, store the reply), the sessions
// projection, and checkpoints (conversation, memory, git) with rollback and fork.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { AiActivities } from '../ai';
import type { ChatMessage, ModelResponse } from '../ai/types';
import type { ActivityDeps } from '../deps';
import type { ConversationSnapshot, TurnOutcome } from '../../workflows/session/state';
import type { CheckpointRecord, ProjectRef } from '../../workflows/session/types';
import { assertClean, checkoutNewBranch, headCommit } from './git';
import { memoryContext, restoreSnapshot, snapshotNamespaces, type MemorySnapshot } from './memory';

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
  namespaces: string[];
  contextTokens: number;
}

const previewOf = (text: string) => (text.length > 200 ? `${text.slice(0, 199)}…` : text);

export function createSessionActivities(deps: ActivityDeps, ai: AiActivities) {
  const { prisma } = deps;

  async function saveMessage(
    sessionId: string,
    no: number,
    position: number,
    role: 'user' | 'assistant',
    content: string,
    extra: object = {},
  ) {
    // Upsert: a retried turn finds its message already stored and leaves it as it is.
    await prisma.sessionMessage.upsert({
      where: { sessionId_no: { sessionId, no } },
      create: { sessionId, no, position, role, content, ...extra },
      update: {},
    });
  }

  return {
    /** One conversation turn. Retries are safe: messages are upserted, the model answer is recorded once. */
    async sessionTurn(input: TurnInput): Promise<TurnOutcome> {
      await saveMessage(input.sessionId, input.userNo, input.position, 'user', input.text);
      const rows = input.history.length
        ? await prisma.sessionMessage.findMany({
            where: { sessionId: input.sessionId, no: { in: input.history } },
            orderBy: { position: 'asc' },
            select: { role: true, content: true },
          })
        : [];
      const messages: ChatMessage[] = [
        ...rows.map((r) => ({ role: r.role as ChatMessage['role'], content: r.content })),
        { role: 'user', content: input.text },
      ];
      const context = await memoryContext(deps, input.namespaces, input.text, input.contextTokens);
      const system = [input.system, context].filter(Boolean).join('\n\n') || undefined;
      const result = await ai.callModel({
        task: 'chat',
        messages,
        system,
        route: input.route,
        maxTokens: input.maxTokens,
        temperature: input.temperature,
        stream: true,
        sessionId: input.sessionId,
      });
      if (result.outcome !== 'ok') throw ApplicationFailure.nonRetryable(result.reason, 'AiNotConfigured');
      const reply = result as ModelResponse;
      await saveMessage(input.sessionId, input.replyNo, input.position + 1, 'assistant', reply.text, {
        provider: reply.provider,
        model: reply.model,
        inputTokens: reply.usage.inputTokens,
        outputTokens: reply.usage.outputTokens,
      });
      await deps.memory?.set({
        namespace: `sessions/${input.sessionId}/`,
        key: `exchange-${String(input.userNo).padStart(6, '0')}`,
        value: { user: input.text.slice(0, 4000), assistant: reply.text.slice(0, 4000) },
        tags: ['exchange'],
        provenance: { sessionId: input.sessionId, workflowId: Context.current().info.workflowExecution?.workflowId },
      });
      return {
        reply: reply.text,
        userPreview: previewOf(input.text),
        replyPreview: previewOf(reply.text),
        at: new Date().toISOString(),
        provider: reply.provider,
        model: reply.model,
        inputTokens: reply.usage.inputTokens,
        outputTokens: reply.usage.outputTokens,
        costUsd: reply.costUsd,
      };
    },

    /** Keeps the sessions table (for listing and filtering) in step with the workflow. */
    async saveSessionProjection(p: {
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
    }): Promise<void> {
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
