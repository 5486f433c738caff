// The `custom` runs of one definition, each with the hash of the definition text it ran (so a past
// run can be drawn on the graph of that version: GET …/versions?hash=).
//
// Temporal's visibility store knows a run's type but not which definition a `custom` run was given
// (that is in its input), and the hash is decided by the run's first activity (it reads the file).
// So the newest `custom` runs are listed from visibility and the start of each one's history is
// read: its input (the definition's name, and a pinned hash when given) and the result of its
// `customLoadDefinition` activity (the hash it pinned). A search attribute set at start would make
// this a visibility filter; that changes how runs are started (sessions, schedules and custom
// parents start `custom` too, the last two from workflow code), so it is left for later.
import { quote } from '../workflow-runs';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import type { temporal } from '@temporalio/proto';
import { summaryOf, type RunSummary } from '../workflow-runs';

export interface DefinitionRun extends RunSummary {
  /** The sha256 of the definition text the run pinned; undefined until its load step has finished (or when it failed). */
  hash?: string;
  /** The definition's file as the run read it. */
  file?: string;
}

const LOAD_ACTIVITY = 'customLoadDefinition';
/** Events read from the start of each history: the load activity completes within the first dozen. */
const HEAD_EVENTS = 30;

async function headOf(
  client: Client,
  workflowId: string,
  runId: string,
): Promise<{ name?: string; hash?: string; file?: string }> {
  const { loadedDataConverter: dc, namespace } = client.options;
  const res = await client.workflowService.getWorkflowExecutionHistory({
    namespace,
    execution: { workflowId, runId },
    maximumPageSize: HEAD_EVENTS,
  });
  const events: temporal.api.history.v1.IHistoryEvent[] = res.history?.events ?? [];
  const started = events[0]?.workflowExecutionStartedEventAttributes;
  const input = (await decodeFromPayloadsAtIndex<{ name?: string; hash?: string }>(
    dc,
    0,
    started?.input?.payloads,
  ).catch(() => undefined)) as { name?: string; hash?: string } | undefined;
  const out: { name?: string; hash?: string; file?: string } = {
    ...(typeof input?.name === 'string' ? { name: input.name } : {}),
    ...(typeof input?.hash === 'string' ? { hash: input.hash } : {}),
  };
  const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === LOAD_ACTIVITY);
  if (!scheduled) return out;
  const done = events.find(
    (e) => e.activityTaskCompletedEventAttributes?.scheduledEventId?.toString() === scheduled.eventId?.toString(),
  );
  if (!done) return out;
  const pinned = (await decodeFromPayloadsAtIndex<{ hash?: string; file?: string }>(
    dc,
    0,
    done.activityTaskCompletedEventAttributes?.result?.payloads,
  ).catch(() => undefined)) as { hash?: string; file?: string } | undefined;
  if (typeof pinned?.hash === 'string') out.hash = pinned.hash;
  if (typeof pinned?.file === 'string') out.file = pinned.file;
  return out;
}

/**
 * The newest runs of definition `name`, newest first: at most `limit`, looked for among the newest
 * `scan` custom runs (reported as `scanned`, with `more` when there were more custom runs).
 */
export async function definitionRuns(
  client: Client,
  name: string,
  opts: { limit: number; scan: number; taskQueue?: string },
): Promise<{ runs: DefinitionRun[]; scanned: number; more: boolean }> {
  const runs: DefinitionRun[] = [];
  let scanned = 0;
  let token: Uint8Array | undefined;
  let more = false;
  do {
    const page = await client.workflowService.listWorkflowExecutions({
      namespace: client.options.namespace,
      // This deployment's runs only (see RunFilter.taskQueue in lib/workflow-runs).
      query: `WorkflowType = 'custom'${opts.taskQueue ? ` AND TaskQueue = ${quote(opts.taskQueue)}` : ''}`,
      pageSize: Math.min(100, opts.scan - scanned),
      nextPageToken: token,
    });
    const executions = page.executions ?? [];
    scanned += executions.length;
    // A few at a time: each is one history read.
    for (let i = 0; i < executions.length && runs.length < opts.limit; i += 8) {
      const batch = await Promise.all(
        executions.slice(i, i + 8).map(async (raw) => {
          const info = (await executionInfoFromRaw(
            raw,
            client.options.loadedDataConverter,
            raw,
            client.options.namespace,
          )) as WorkflowExecutionInfo;
          const head = await headOf(client, info.workflowId, info.runId).catch(() => undefined);
          return head?.name === name ? { ...summaryOf(info), ...pick(head) } : undefined;
        }),
      );
      for (const r of batch) if (r && runs.length < opts.limit) runs.push(r);
    }
    token = page.nextPageToken?.length ? page.nextPageToken : undefined;
    more = token !== undefined;
  } while (token && scanned < opts.scan && runs.length < opts.limit);
  return { runs, scanned, more };
}

function pick(head: { hash?: string; file?: string }): { hash?: string; file?: string } {
  return { ...(head.hash ? { hash: head.hash } : {}), ...(head.file ? { file: head.file } : {}) };
}
