// memoryMaintenance: one pass of memory housekeeping, run by the Temporal Schedule
// `claude-flow-memory-maintenance` (see lib/memory-schedule.ts). Steps, each reported:
// expire entries past their TTL (as of this workflow's time), prune versions beyond the configured
// count, summarise oversized namespaces through the AI router (optional: skipped with the reason
// when off or when no provider is configured), embed what is still owed an embedding (skipped when
// no embedding provider is configured), then back everything up.
import { patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { BackupResult } from '../activities/memory/backup';
import { ai } from './ai';

const memory = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  retry: { initialInterval: '5 seconds', maximumAttempts: 5 },
});

export interface SummaryOutcome {
  namespace: string;
  /** Entries replaced by the summary (0 when skipped). */
  removed: number;
  skipped?: string;
}

export interface MaintenanceReport {
  /** The workflow time expiry was judged at. */
  at: string;
  expired: number;
  versionsPruned: number;
  summaries: SummaryOutcome[] | { skipped: string };
  /** Entries embedded (owed since a provider failure, or never embedded with the current model). */
  embeddings: { embedded: number } | { skipped: string };
  backup: BackupResult | { skipped: string };
}

const SUMMARY_SYSTEM =
  'You compact a memory store. Summarise the entries below into one concise note that keeps every fact, ' +
  'decision, name and number someone might search for later. Answer with the note only.';

export async function memoryMaintenance(): Promise<MaintenanceReport> {
  // Workflow time: deterministic, and the scheduled time on a schedule run.
  const at = new Date(Date.now()).toISOString();
  const expired = await memory.expireMemory({ cutoff: at });
  const versionsPruned = await memory.pruneMemoryVersions({});
  const plans = await memory.planMemorySummaries();
  let summaries: MaintenanceReport['summaries'];
  if ('skipped' in plans) summaries = { skipped: plans.skipped };
  else {
    summaries = [];
    for (const plan of plans) {
      const reply = await ai.callModel({
        task: 'summarize',
        optional: true,
        system: SUMMARY_SYSTEM,
        messages: [{ role: 'user', content: `Namespace ${plan.namespace}:\n${plan.text}` }],
        maxTokens: 1024,
      });
      if (reply.outcome === 'skipped') {
        summaries = { skipped: reply.reason };
        break;
      }
      const saved = await memory.saveMemorySummary({
        namespace: plan.namespace,
        text: reply.text,
        sources: plan.sources,
      });
      summaries.push({ namespace: plan.namespace, removed: saved.removed });
    }
  }
  // Runs started before this step existed replay without it.
  const embeddings = patched('memory-embed-pending')
    ? await memory.embedPendingMemory({})
    : { skipped: 'this run started before maintenance embedded entries' };
  const backup = await memory.backupMemory({ at });
  return { at, expired, versionsPruned, summaries, embeddings, backup };
}
