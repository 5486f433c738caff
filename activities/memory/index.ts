// Memory maintenance activities: expiry, version pruning, summaries and backups. Each is safe to
// retry: expiry and pruning are idempotent deletes, a summary is keyed by the workflow run, and a
// backup rewrites the same file name for the same scheduled time.
import { Context } from '@temporalio/activity';
import type { SummaryPlan, SummarySource } from '../../lib/memory';
import type { ActivityDeps } from '../deps';
import { createAutosaveActivities } from './autosave';
import { writeBackup, type BackupResult } from './backup';

export type Skipped = { skipped: string };

export function createMemoryActivities(deps: ActivityDeps) {
  const { memory, config } = deps;
  return {
    ...createAutosaveActivities(deps),

    /** Deletes entries expired at `cutoff` (the workflow's time, ISO 8601); returns how many. */
    async expireMemory(input: { cutoff: string; batchSize?: number }): Promise<number> {
      return memory.expire(new Date(input.cutoff), input.batchSize);
    },

    /** Deletes kept versions beyond CLAUDE_FLOW_MEMORY_VERSIONS per entry; returns how many. */
    async pruneMemoryVersions(input: { batchSize?: number } = {}): Promise<number> {
      return memory.pruneVersions(input.batchSize);
    },

    /** Namespaces to summarise now, or why summaries are off. */
    async planMemorySummaries(): Promise<SummaryPlan[] | Skipped> {
      const over = config.memory.summarizeOver;
      if (over <= 0) return { skipped: 'summaries are off (set CLAUDE_FLOW_MEMORY_SUMMARIZE_OVER to turn them on)' };
      return memory.planSummaries(over);
    },

    /** Stores a summary and deletes the entries it replaces (see MemoryStore.replaceWithSummary). */
    async saveMemorySummary(input: { namespace: string; text: string; sources: SummarySource[] }) {
      const run = Context.current().info.workflowExecution;
      if (!run) throw new Error('saveMemorySummary runs only inside a workflow (its key is the run id)');
      const { workflowId, runId } = run;
      return memory.replaceWithSummary({
        ...input,
        key: `summary-${runId}`,
        provenance: { workflowId },
      });
    },

    /**
     * Embeds entries still owed an embedding (written while the provider was down, or before one
     * was configured, or with another model), or says why not.
     */
    async embedPendingMemory(input: { max?: number } = {}): Promise<{ embedded: number } | Skipped> {
      if (!memory.embedder) {
        return {
          skipped:
            config.memory.embeddings === 'off'
              ? 'no embedding provider: embeddings are off (CLAUDE_FLOW_MEMORY_EMBEDDINGS=off)'
              : 'no embedding provider: configure an OpenAI-compatible `embed` route (OPENAI_API_KEY or OPENAI_BASE_URL)',
        };
      }
      return { embedded: await memory.embedPending(input.max) };
    },

    /** Backs all memory up into CLAUDE_FLOW_MEMORY_BACKUP_DIR, named by `at` (the scheduled time). */
    async backupMemory(input: { at: string }): Promise<BackupResult | Skipped> {
      const dir = config.memory.backupDir;
      if (!dir) return { skipped: 'no backup directory configured (set CLAUDE_FLOW_MEMORY_BACKUP_DIR)' };
      return writeBackup(memory, dir, config.memory.backupKeep, new Date(input.at));
    },
  };
}

export type MemoryActivities = ReturnType<typeof createMemoryActivities>;
