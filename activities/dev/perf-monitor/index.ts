// The perfMonitor activities: validate the input, probe one endpoint, record a run against its
// baseline in memory (`performance/<name>/`) and analytics, and post a regression webhook.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { publish } from '../../../lib/live';
import { parseInput } from '../../../workflows/contract/inputs/parse';
import { type PerfMonitorOptions, perfMonitorInput } from '../../../workflows/contract/inputs/perf-monitor';
import type { ActivityDeps } from '../../deps';
import { type ProbeInput, type ProbeResult, probeEndpoint } from './probe';
import { type Comparison, compareRuns, type RegressionRule } from './stats';

export type { ProbeResult };

export interface RecordRunInput {
  workflowId: string;
  results: ProbeResult[];
  baseline: 'stored' | 'reset';
  rule: RegressionRule;
}

export interface EndpointReport {
  name: string;
  current: ProbeResult;
  /** The run compared against (absent when this run became the baseline). */
  baseline?: ProbeResult & { workflowId?: string };
  /** Why there is no comparison: the run became the baseline. */
  baselineSetBy?: 'first-run' | 'reset';
  comparison?: Comparison;
}

export const PERF_NAMESPACE = (name: string) => `performance/${name}/`;
const RUN_TTL_SECONDS = 90 * 24 * 3600;

export function createPerfActivities({ memory, pool }: ActivityDeps) {
  return {
    /** Kept for runs that parsed their input here before the workflow parsed it itself (patch input-parsed-in-workflow). */
    async parsePerfMonitorInput(input: unknown): Promise<PerfMonitorOptions> {
      return parseInput('perfMonitor', perfMonitorInput, input);
    },

    /** Sends the requests and measures them; heartbeats as requests complete. */
    async perfProbeEndpoint(input: ProbeInput): Promise<ProbeResult> {
      const ctx = Context.current();
      let done = 0;
      const beat = setInterval(() => ctx.heartbeat({ done }), 2_000);
      try {
        return await probeEndpoint(input, {
          signal: ctx.cancellationSignal,
          onProgress: (n) => {
            done = n;
          },
        });
      } finally {
        clearInterval(beat);
      }
    },

    /**
     * Stores each endpoint's run (`latest`, `runs/<workflowId>`), sets the `baseline` when there is
     * none or on reset, compares with it, and publishes one `perf` event on `analytics`. A retry of
     * the same workflow writes and publishes nothing twice (entries carry its id as provenance).
     */
    async perfRecordRun(input: RecordRunInput): Promise<EndpointReport[]> {
      const { workflowId } = input;
      const provenance = { workflowId };
      const reports: EndpointReport[] = [];
      for (const current of input.results) {
        const ns = PERF_NAMESPACE(current.name);
        const report: EndpointReport = { name: current.name, current };
        const stored = await memory.get(ns, 'baseline');
        const storedRun = stored?.value as (ProbeResult & { workflowId?: string }) | undefined;
        const setByThisRun = stored?.provenance.workflowId === workflowId;
        if (!stored || input.baseline === 'reset' || setByThisRun) {
          report.baselineSetBy = stored && !setByThisRun ? 'reset' : input.baseline === 'reset' ? 'reset' : 'first-run';
          if (!setByThisRun) {
            await memory.set({
              namespace: ns,
              key: 'baseline',
              value: { ...current, workflowId },
              valueType: 'json',
              tags: ['performance', 'baseline'],
              metadata: { p95: current.latencyMs?.p95 ?? null, errorRate: current.errorRate },
              provenance,
            });
          }
        } else if (storedRun) {
          report.baseline = storedRun;
          report.comparison = compareRuns(
            { p95: current.latencyMs?.p95, errorRate: current.errorRate },
            { p95: storedRun.latencyMs?.p95, errorRate: storedRun.errorRate },
            input.rule,
          );
        }
        const value = { ...current, workflowId, comparison: report.comparison ?? null };
        const metadata = {
          p50: current.latencyMs?.p50 ?? null,
          p95: current.latencyMs?.p95 ?? null,
          p99: current.latencyMs?.p99 ?? null,
          errorRate: current.errorRate,
          regressed: report.comparison?.regressed ?? false,
        };
        const runKey = `runs/${workflowId}`;
        if (!(await memory.get(ns, runKey))) {
          await memory.set({
            namespace: ns,
            key: runKey,
            value,
            valueType: 'json',
            tags: ['performance', 'run'],
            metadata,
            provenance,
            ttlSeconds: RUN_TTL_SECONDS,
          });
        }
        const latest = await memory.get(ns, 'latest');
        if (latest?.provenance.workflowId !== workflowId) {
          await memory.set({
            namespace: ns,
            key: 'latest',
            value,
            valueType: 'json',
            tags: ['performance', 'latest'],
            metadata,
            provenance,
          });
        }
        reports.push(report);
      }
      const already = await pool.query(
        `SELECT 1 FROM live_event WHERE channel = 'analytics' AND type = 'perf' AND data->>'workflowId' = $1 LIMIT 1`,
        [workflowId],
      );
      if (already.rowCount === 0) {
        await publish(pool, 'analytics', 'perf', {
          workflowId,
          endpoints: reports.map((r) => ({
            name: r.name,
            requests: r.current.requests,
            errorRate: r.current.errorRate,
            p50: r.current.latencyMs?.p50 ?? null,
            p95: r.current.latencyMs?.p95 ?? null,
            p99: r.current.latencyMs?.p99 ?? null,
            baselineP95: r.baseline?.latencyMs?.p95 ?? null,
            regressed: r.comparison?.regressed ?? false,
          })),
        });
      }
      return reports;
    },

    /** POSTs the alert as JSON with `Idempotency-Key` (the workflow id): receivers drop repeats of a retry. */
    async perfPostWebhook(input: {
      url: string;
      idempotencyKey: string;
      payload: unknown;
    }): Promise<{ status: number }> {
      let res: Response;
      try {
        res = await fetch(input.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': input.idempotencyKey },
          body: JSON.stringify(input.payload),
          signal: AbortSignal.any([AbortSignal.timeout(10_000), Context.current().cancellationSignal]),
        });
        await res.arrayBuffer();
      } catch (err) {
        throw ApplicationFailure.create({
          type: 'WebhookUnreachable',
          message: `alert webhook ${input.url} could not be reached: ${(err as Error).message}`,
        });
      }
      if (res.ok) return { status: res.status };
      const retryable = res.status >= 500 || res.status === 408 || res.status === 429;
      throw ApplicationFailure.create({
        type: retryable ? 'WebhookUnavailable' : 'WebhookRejected',
        nonRetryable: !retryable,
        message: `alert webhook ${input.url} answered HTTP ${res.status}${retryable ? '' : '; check the URL and what the receiver expects'}`,
      });
    },
  };
}
