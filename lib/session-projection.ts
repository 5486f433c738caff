// Rebuilds the sessions projection (the `session` table) from Temporal, the source of truth: every
// session workflow Temporal still knows is queried for its state and its row rewritten.
import type { Client } from '@temporalio/client';
import type { PrismaClient } from './db';
import { stateQuery } from '../workflows/contract/session-messages';

export interface RebuildResult {
  sessions: number;
  failed: { workflowId: string; error: string }[];
}

/**
 * Rewrites one row per session workflow on `taskQueue` (running, or closed within the namespace's
 * retention). Only this deployment's task queue: its workers are the ones that can answer.
 */
export async function rebuildSessionProjection(
  client: Client,
  prisma: PrismaClient,
  taskQueue: string,
): Promise<RebuildResult> {
  const result: RebuildResult = { sessions: 0, failed: [] };
  const query = `WorkflowType = 'session' AND TaskQueue = '${taskQueue.replace(/'/g, "\\'")}'`;
  for await (const wf of client.workflow.list({ query })) {
    try {
      const s = await client.workflow.getHandle(wf.workflowId).query(stateQuery);
      const data = {
        title: s.title,
        owner: s.owner,
        project: s.project?.repo ?? s.project?.path ?? null,
        parentId: s.parent?.sessionId ?? null,
        status: s.status,
        statusReason: s.statusReason ?? null,
        createdAt: new Date(s.createdAt),
        lastActivityAt: new Date(s.lastActivityAt),
        endedAt: s.status === 'ended' || s.status === 'failed' ? new Date(s.lastActivityAt) : null,
        messageCount: s.messageCount,
        inputTokens: s.totals.inputTokens,
        outputTokens: s.totals.outputTokens,
        costUsd: s.totals.costUsd,
        // The repair writes past the revision guard (a plain upsert), so it always lands, and it
        // writes the revision of the workflow's last snapshot: every later snapshot has a greater
        // one and wins; a late write of an older snapshot is refused; a write of that same snapshot
        // still in flight (a turn) lands, and is the newer state. Not the row's own revision: after
        // a reset it can be ahead of the workflow, and the repair is what puts the row back. A write
        // committing between the query and this upsert is undone until the session's next change.
        revision: BigInt(s.revision ?? 0),
      };
      await prisma.session.upsert({ where: { id: s.sessionId }, create: { id: s.sessionId, ...data }, update: data });
      result.sessions++;
    } catch (err) {
      result.failed.push({ workflowId: wf.workflowId, error: (err as Error).message });
    }
  }
  return result;
}
