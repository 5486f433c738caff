// perfMonitor: probe HTTP endpoints, store each run in memory (`performance/<name>/`) with a
// baseline, publish the figures to analytics, and alert (GitHub issue and/or webhook) on a
// regression. Probing happens in activities; this file only orchestrates.
import { ActivityFailure, patched, proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { EndpointReport } from '../../activities/dev/perf-monitor';
import type { PostedIssue } from '../../activities/github/types';
import { perfMonitorInput, type PerfMonitorInput } from '../contract/inputs/perf-monitor';
import { parseInput } from '../contract/inputs/parse';
import { INPUT_PARSED_IN_WORKFLOW, Progress } from './common';

export interface PerfMonitorResult {
  endpoints: EndpointReport[];
  /** Names of the endpoints that regressed against their baseline. */
  regressions: string[];
  /** What was sent; absent when nothing regressed or no alert target was given. */
  alert?: {
    /** The issue, or why it could not be opened. */
    github?: PostedIssue | { error: string };
    webhook?: { status: number } | { error: string };
  };
  /** Why no alert went out although something regressed (no target configured). */
  alertSkipped?: string;
}

const local = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 3 },
});
const acts = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', maximumAttempts: 5 },
});

const fmt = (ms: number | undefined) => (ms === undefined ? 'n/a' : `${ms} ms`);

export async function perfMonitor(raw: PerfMonitorInput): Promise<PerfMonitorResult> {
  // Asked first, before any command: a patch decided after a local activity can come out the
  // other way on replay when the activity's completion landed in a later workflow task.
  const parsedHere = patched(INPUT_PARSED_IN_WORKFLOW);
  const progress = new Progress('perfMonitor', ['validate', 'probe', 'record', 'alert']);
  // The contract's schema, parsed here (see contract/inputs/parse.ts); runs started before that
  // parsed it in a local activity, and replay the same way.
  const input = await progress.step('validate', async () =>
    parsedHere ? parseInput('perfMonitor', perfMonitorInput, raw) : await local.parsePerfMonitorInput(raw),
  );
  const { workflowId } = workflowInfo();

  // Worst case per endpoint: every request waits its full timeout, `concurrency` at a time.
  const rounds = Math.ceil(input.requests / input.concurrency);
  const probes = proxyActivities<Activities>({
    startToCloseTimeout: rounds * input.timeoutMs + 60_000,
    heartbeatTimeout: '30 seconds',
    retry: { initialInterval: '2 seconds', maximumAttempts: 3 },
  });
  const results = await progress.step(
    'probe',
    async () => {
      const out = [];
      // One endpoint at a time, so endpoints do not skew each other's latency.
      for (const endpoint of input.endpoints) {
        out.push(
          await probes.perfProbeEndpoint({
            endpoint,
            requests: input.requests,
            concurrency: input.concurrency,
            timeoutMs: input.timeoutMs,
            warmup: input.warmup,
          }),
        );
      }
      return out;
    },
    (r) =>
      r
        .map(
          (x) =>
            `${x.name}: p50 ${fmt(x.latencyMs?.p50)}, p95 ${fmt(x.latencyMs?.p95)}, errors ${x.errors}/${x.requests}`,
        )
        .join('; '),
  );

  const endpoints = await progress.step(
    'record',
    () =>
      acts.perfRecordRun({
        workflowId,
        results,
        baseline: input.baseline,
        rule: { threshold: input.regressionThreshold, minDeltaMs: input.minDeltaMs },
      }),
    (r) =>
      r
        .map((e) =>
          e.baselineSetBy
            ? `${e.name}: baseline set (${e.baselineSetBy})`
            : `${e.name}: ${e.comparison?.regressed ? 'REGRESSED' : 'ok'} vs baseline`,
        )
        .join('; '),
  );

  const regressed = endpoints.filter((e) => e.comparison?.regressed);
  const result: PerfMonitorResult = { endpoints, regressions: regressed.map((e) => e.name) };
  if (regressed.length === 0) {
    await progress.skip('alert', 'no regression');
    return result;
  }
  if (!input.alert?.github && !input.alert?.webhook) {
    result.alertSkipped = 'no alert target given (alert.github or alert.webhook)';
    await progress.skip('alert', result.alertSkipped);
    return result;
  }
  // Each target on its own: one failing (after its retries) does not keep the other from alerting,
  // and the run's figures are returned either way; the step shows what failed.
  await progress.start('alert');
  const alert: NonNullable<PerfMonitorResult['alert']> = {};
  const title = `Performance regression: ${regressed.map((e) => e.name).join(', ')}`;
  const github = input.alert?.github;
  if (github) {
    alert.github = await attempt(() =>
      acts.githubCreateIssue({
        repo: github.repo,
        title,
        body: alertBody(workflowId, regressed, input.regressionThreshold),
        labels: github.labels ?? ['performance'],
        step: 'perf-alert',
      }),
    );
  }
  const webhook = input.alert?.webhook;
  if (webhook) {
    alert.webhook = await attempt(() =>
      acts.perfPostWebhook({
        url: webhook.url,
        idempotencyKey: workflowId,
        payload: {
          type: 'perf.regression',
          workflowId,
          title,
          regressions: regressed.map((e) => ({
            name: e.name,
            url: e.current.url,
            reasons: e.comparison?.reasons ?? [],
            current: { p50: e.current.latencyMs?.p50, p95: e.current.latencyMs?.p95, errorRate: e.current.errorRate },
            baseline: {
              p50: e.baseline?.latencyMs?.p50,
              p95: e.baseline?.latencyMs?.p95,
              errorRate: e.baseline?.errorRate,
            },
          })),
        },
      }),
    );
  }
  result.alert = alert;
  const g = alert.github;
  const w = alert.webhook;
  const detail = [
    g && ('error' in g ? `GitHub issue failed: ${g.error}` : `issue #${g.number}${g.reused ? ' (already open)' : ''}`),
    w && ('error' in w ? `webhook failed: ${w.error}` : `webhook ${w.status}`),
  ]
    .filter(Boolean)
    .join(', ');
  if ((g && 'error' in g) || (w && 'error' in w)) await progress.fail('alert', detail);
  else await progress.done('alert', detail);
  return result;
}

/** Runs one alert; a failure after its retries becomes `{error}` instead of failing the run. */
async function attempt<T>(post: () => Promise<T>): Promise<T | { error: string }> {
  try {
    return await post();
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    return { error: err.cause?.message ?? err.message };
  }
}

function alertBody(workflowId: string, regressed: EndpointReport[], threshold: number): string {
  const rows = regressed.map((e) => {
    const c = e.current;
    const b = e.baseline;
    return `| ${e.name} | ${fmt(c.latencyMs?.p50)} / ${fmt(b?.latencyMs?.p50)} | ${fmt(c.latencyMs?.p95)} / ${fmt(b?.latencyMs?.p95)} | ${fmt(c.latencyMs?.p99)} / ${fmt(b?.latencyMs?.p99)} | ${(c.errorRate * 100).toFixed(1)}% / ${((b?.errorRate ?? 0) * 100).toFixed(1)}% |`;
  });
  const reasons = regressed.flatMap((e) =>
    (e.comparison?.reasons ?? []).map((r) => `- **${e.name}** (${e.current.method} ${e.current.url}): ${r}`),
  );
  return [
    `perfMonitor run \`${workflowId}\` found a regression beyond ${Math.round(threshold * 100)}% against the stored baseline.`,
    '',
    '| endpoint | p50 now / baseline | p95 now / baseline | p99 now / baseline | errors now / baseline |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    ...reasons,
    '',
    'Percentiles are nearest-rank over successful requests. Runs are kept in memory under `performance/<endpoint>/`.',
  ].join('\n');
}
