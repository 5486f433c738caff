// Bundled with every workflow: development workflow runs announce their end as a live event on
// `workflow:<id>` (`completed`, `failed` or `cancelled`), so the API, CLI and dashboard can follow a
// run without polling, and save their outcome to memory (`workflows/<type>/<id>`, failures also
// under `errors/`; CLAUDE_FLOW_MEMORY_AUTOSAVE). A run a session started also tells that session
// (childClosed, to its current run, so it survives the session's continue-as-new). Sessions and
// internal workflows are left alone.
import {
  CancellationScope,
  ContinueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  workflowInfo,
  type WorkflowInterceptorsFactory,
} from '@temporalio/workflow';
import { CHILD_WORKFLOW_TYPES, childClosedSignal } from './contract/runs';
import type { RunEnd } from './contract/session';
import { sessionIdOf } from './contract/session';
import { bookkeeping, events } from './dev/proxies';

/** Development runs; systemCheck is a health probe (and its recorded history predates this). */
const REPORTED: ReadonlySet<string> = new Set(CHILD_WORKFLOW_TYPES.filter((t) => t !== 'systemCheck'));
/** Building blocks are not worth remembering: one model call's reply is already in ai_call. */
const NOT_SAVED: ReadonlySet<string> = new Set(['aiTask']);

async function announce(type: string, data: unknown): Promise<void> {
  // Best effort and never cancelled with the run: the run's outcome does not depend on it.
  await CancellationScope.nonCancellable(() =>
    events.publishWorkflowEvent({ workflowId: workflowInfo().workflowId, type, data }),
  ).catch((err: unknown) => log.warn('end-of-run event not published', { err: String(err) }));
}

/** A sentence and the small facts of a result (counts, outcome, totals), for memory. */
function outcomeOf(
  type: string,
  status: string,
  result: unknown,
): { summary: string; details?: Record<string, unknown> } {
  const r = result && typeof result === 'object' ? (result as Record<string, unknown>) : {};
  const text = [r.summary, r.reason, r.outcome].find((v): v is string => typeof v === 'string' && v.length > 0);
  const details: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) {
    if (typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && v.length <= 200)) details[k] = v;
    else if (k === 'counts' && v && typeof v === 'object') details[k] = v;
  }
  return {
    summary: (text ?? `${type} ${status}`).slice(0, 2000),
    ...(Object.keys(details).length ? { details } : {}),
  };
}

async function autoSave(type: string, status: string, result: unknown, error?: string): Promise<void> {
  if (NOT_SAVED.has(type)) return;
  // Runs recorded before auto-save existed replay without it.
  if (!patched('autosave-workflow-result')) return;
  const { summary, details } = error
    ? { summary: error.slice(0, 2000), details: undefined }
    : outcomeOf(type, status, result);
  await CancellationScope.nonCancellable(() =>
    bookkeeping.autoSaveWorkflowResult({
      workflowId: workflowInfo().workflowId,
      type,
      status,
      summary,
      ...(details ? { details } : {}),
      ...(error ? { error } : {}),
    }),
  ).catch((err: unknown) => log.warn('workflow result not saved to memory', { err: String(err) }));
}

/** Tells the session that started this run how it ended; best effort (the session may have ended). */
async function tellSession(status: RunEnd, tell: boolean): Promise<void> {
  const parent = workflowInfo().parent?.workflowId;
  if (!tell || sessionIdOf(parent) === undefined) return;
  await CancellationScope.nonCancellable(() =>
    getExternalWorkflowHandle(parent as string).signal(childClosedSignal, {
      workflowId: workflowInfo().workflowId,
      status,
    }),
  ).catch((err: unknown) => log.warn('the session was not told this run closed', { err: String(err) }));
}

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [
    {
      async execute(input, next) {
        const info = workflowInfo();
        if (!(CHILD_WORKFLOW_TYPES as readonly string[]).includes(info.workflowType)) return next(input);
        const reported = REPORTED.has(info.workflowType);
        // Decided before the run starts (patches asked after local activities can replay differently);
        // runs from before this replay without telling their session.
        const tell = sessionIdOf(info.parent?.workflowId) !== undefined && patched('tell-session-run-closed');
        try {
          const result = await next(input);
          if (reported) {
            await autoSave(info.workflowType, 'completed', result);
            await announce('completed', { type: info.workflowType });
          }
          await tellSession('completed', tell);
          return result;
        } catch (err) {
          if (err instanceof ContinueAsNew) throw err;
          const status = isCancellation(err) ? 'cancelled' : 'failed';
          const message = (err as Error).message ?? String(err);
          if (reported) {
            await autoSave(info.workflowType, status, { summary: message }, status === 'failed' ? message : undefined);
            await announce(status, { type: info.workflowType, message });
          }
          await tellSession(status, tell);
          throw err;
        }
      },
    },
  ],
});
