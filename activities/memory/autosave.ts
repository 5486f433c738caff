// Auto-save for workflows: a finished (or failed) workflow's outcome, saved to memory under
// `workflows/<type>/` with its workflow id as the key. Idempotent on retry: the same workflow id
// names the same entry, and saving the same outcome again changes nothing (MemoryStore.saveMany
// skips unchanged entries). CLAUDE_FLOW_MEMORY_AUTOSAVE must be `all` (the default); otherwise
// nothing is written and the result says why.
import { ApplicationFailure } from '@temporalio/activity';
import type { MemoryEntryInfo, SetInput } from '../../lib/memory';
import type { ActivityDeps } from '../deps';

export interface WorkflowResultInput {
  workflowId: string;
  /** The workflow type, e.g. `codeReview`: the namespace is `workflows/<type>/`. */
  type: string;
  /** How it ended, e.g. completed, failed, cancelled, rejected. */
  status: string;
  /** What a later reader should know: the outcome in a sentence or two. */
  summary: string;
  /** Anything else worth keeping (counts, links, findings by severity); JSON. */
  details?: Record<string, unknown>;
  /** Also filed under `errors/workflows/<type>/` (default: when status is `failed`). */
  error?: string;
}

export type WorkflowResultSaved = { saved: MemoryEntryInfo[] } | { skipped: string };

const TYPE = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

export function createAutosaveActivities({ memory, config }: ActivityDeps) {
  return {
    /** Saves a workflow's outcome to `workflows/<type>/<workflowId>` (and errors/ when it failed). */
    async autoSaveWorkflowResult(input: WorkflowResultInput): Promise<WorkflowResultSaved> {
      if (config.memory.autosave !== 'all') {
        return { skipped: `CLAUDE_FLOW_MEMORY_AUTOSAVE is ${config.memory.autosave}; workflow results need "all"` };
      }
      const problem = !input?.workflowId
        ? 'workflowId is required'
        : !TYPE.test(input.type ?? '')
          ? `type "${String(input.type)}" must be a workflow type name (letters, digits, ".", "_", ":", "-")`
          : !input.status
            ? 'status is required (e.g. completed, failed)'
            : typeof input.summary !== 'string'
              ? 'summary is required: the outcome in a sentence or two'
              : undefined;
      if (problem) throw ApplicationFailure.nonRetryable(`autoSaveWorkflowResult: ${problem}`, 'InvalidRequest');
      const provenance = { workflowId: input.workflowId };
      const value = {
        workflowId: input.workflowId,
        type: input.type,
        status: input.status,
        summary: input.summary,
        ...(input.details ? { details: input.details } : {}),
      };
      const entries: SetInput[] = [
        {
          namespace: `workflows/${input.type}/`,
          key: input.workflowId,
          value,
          tags: ['workflow-result', input.status],
          provenance,
        },
      ];
      const error = input.error ?? (input.status === 'failed' ? input.summary : undefined);
      if (error !== undefined) {
        entries.push({
          namespace: `errors/workflows/${input.type}/`,
          key: input.workflowId,
          value: { ...value, error },
          tags: ['workflow-failed', input.status],
          provenance,
        });
      }
      return { saved: await memory.saveMany(entries) };
    },
  };
}
