// modelUpdate: evaluate a task kind's current route against a candidate model (promptEval as a
// child workflow), propose the routing change when the candidate does at least as well, ask a human,
// and record the decision with its evidence in memory (`decisions/routing/<task>`). Routes come from
// configuration, so an approved change is returned as the exact setting to change; no file is written.
import { executeChild, patched, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { TaskKind } from '../../activities/ai/types';
import type {
  ConfigurationReport,
  CurrentRoute,
  PromptEvalResult,
  RoutingChange,
} from '../../activities/dev/prompt-eval';
import { modelUpdateInput, type ModelUpdateInput } from '../contract/inputs/model-update';
import { parseInput } from '../contract/inputs/parse';
import type { ApprovalOutcome } from '../contract/session';
import { INPUT_PARSED_IN_WORKFLOW, Progress } from './common';
import { promptEval } from './prompt-eval';

export interface ModelUpdateResult {
  /**
   * approved / rejected: a proposal was decided (see `decision`); not-proposed: the candidate did
   * worse; skipped: the candidate could not run (no provider); unchanged: it is already the route.
   */
  outcome: 'approved' | 'rejected' | 'not-proposed' | 'skipped' | 'unchanged';
  reason: string;
  task: string;
  /** What answers the task today ("provider:model", in chain order). */
  current: string[];
  candidate: string;
  comparison?: { current: ConfigurationReport; candidate: ConfigurationReport };
  evaluationWorkflowId?: string;
  decision?: ApprovalOutcome;
  /** On approval: the setting to change (routes come from configuration; nothing is rewritten). */
  change?: RoutingChange;
  /** Where the decision was recorded. */
  record?: { namespace: string; key: string; version: number };
}

const local = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 3 },
});

const pct = (x: number | null) => (x === null ? 'n/a' : `${Math.round(x * 1000) / 10}%`);
const usd = (x: number | null) => (x === null ? 'unpriced' : `$${x.toFixed(6)}`);
const ms = (x: { p50: number; p95: number } | null) => (x ? `${Math.round(x.p50)} / ${Math.round(x.p95)} ms` : 'n/a');

/**
 * The proposal rule, quality first: the candidate is proposed when its mean score is higher; on an
 * equal score when it is cheaper per case (both priced), or, costs equal or unknown, when its p50
 * latency is no higher. A current route that could not be evaluated (no provider) loses to any
 * candidate that was scored.
 */
export function proposalVerdict(
  cur: ConfigurationReport,
  cand: ConfigurationReport,
): { propose: boolean; reason: string } {
  if (cand.outcome === 'skipped') return { propose: false, reason: `the candidate could not run: ${cand.reason}` };
  if (cand.meanScore === null) return { propose: false, reason: 'no answer of the candidate could be scored' };
  if (cur.meanScore === null) {
    return {
      propose: true,
      reason: `the current route could not be evaluated (${cur.reason ?? 'nothing scored'}); the candidate scored ${pct(cand.meanScore)}`,
    };
  }
  if (cand.meanScore < cur.meanScore) {
    return { propose: false, reason: `lower quality: mean score ${pct(cand.meanScore)} vs ${pct(cur.meanScore)}` };
  }
  if (cand.meanScore > cur.meanScore) {
    return { propose: true, reason: `higher quality: mean score ${pct(cand.meanScore)} vs ${pct(cur.meanScore)}` };
  }
  const same = `same quality (${pct(cand.meanScore)})`;
  if (cand.costPerCaseUsd !== null && cur.costPerCaseUsd !== null && cand.costPerCaseUsd !== cur.costPerCaseUsd) {
    return cand.costPerCaseUsd < cur.costPerCaseUsd
      ? {
          propose: true,
          reason: `${same}, cheaper: ${usd(cand.costPerCaseUsd)} vs ${usd(cur.costPerCaseUsd)} per case`,
        }
      : {
          propose: false,
          reason: `${same}, dearer: ${usd(cand.costPerCaseUsd)} vs ${usd(cur.costPerCaseUsd)} per case`,
        };
  }
  const lc = cand.latencyMs?.p50 ?? Infinity;
  const lu = cur.latencyMs?.p50 ?? Infinity;
  return lc <= lu
    ? {
        propose: true,
        reason: `${same} and cost, as fast or faster: p50 ${ms(cand.latencyMs)} vs ${ms(cur.latencyMs)}`,
      }
    : { propose: false, reason: `${same} and cost, slower: p50 ${ms(cand.latencyMs)} vs ${ms(cur.latencyMs)}` };
}

function comparisonText(
  cur: ConfigurationReport,
  cand: ConfigurationReport,
  reason: string,
  change: RoutingChange,
): string {
  const row = (name: string, c: ConfigurationReport) =>
    `| ${name} | ${c.models.join(', ') || c.route.join(' > ')} | ${c.passed}/${c.scored} | ${pct(c.meanScore)} | ${ms(c.latencyMs)} | ${c.tokens.total} | ${usd(c.costPerCaseUsd)} | ${c.errors} |`;
  return [
    reason,
    '',
    '| | model | passed | mean score | p50 / p95 | tokens | cost per case | errors |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    row('current', cur),
    row('candidate', cand),
    '',
    `On approval: ${change.instruction}`,
  ].join('\n');
}

export async function modelUpdate(raw: ModelUpdateInput): Promise<ModelUpdateResult> {
  // Asked first, before any command: a patch decided after a local activity can come out the
  // other way on replay when the activity's completion landed in a later workflow task.
  const parsedHere = patched(INPUT_PARSED_IN_WORKFLOW);
  const progress = new Progress('modelUpdate', [
    'validate',
    'current route',
    'evaluate',
    'compare',
    'approval',
    'record',
  ]);
  // The contract's schema, parsed here (see contract/inputs/parse.ts); runs started before that
  // parsed it in a local activity, and replay the same way.
  const input = await progress.step('validate', async () =>
    parsedHere ? parseInput('modelUpdate', modelUpdateInput, raw) : await local.parseModelUpdateInput(raw),
  );
  const { workflowId } = workflowInfo();
  const task = input.task as TaskKind;
  const now: CurrentRoute = await progress.step(
    'current route',
    () => local.modelCurrentRoute({ task, candidate: input.candidate }),
    (r) => `${r.route.join(' > ') || 'no configured provider'} (${r.source})`,
  );
  const base = { task, current: now.route, candidate: now.candidate };
  const finish = async (outcome: ModelUpdateResult['outcome'], reason: string, from: string) => {
    for (const s of ['evaluate', 'compare', 'approval', 'record'].slice(
      ['evaluate', 'compare', 'approval', 'record'].indexOf(from),
    )) {
      await progress.skip(s, reason);
    }
    return { outcome, reason, ...base };
  };
  if (now.route[0] === now.candidate) {
    return await finish('unchanged', `${now.candidate} already answers ${task} tasks`, 'evaluate');
  }
  if (!now.candidateConfigured) {
    return await finish(
      'skipped',
      `the candidate's provider is not configured: ${now.candidate.split(':')[0]} needs its credentials (see "AI providers and routing")`,
      'evaluate',
    );
  }

  const evaluationWorkflowId = `${workflowId}-evaluate`;
  const evaluation: PromptEvalResult = await progress.step(
    'evaluate',
    () =>
      executeChild(promptEval, {
        workflowId: evaluationWorkflowId,
        args: [
          {
            cases: input.cases,
            configurations: [
              { label: 'current', route: now.route.length ? now.route : now.configured },
              { label: 'candidate', route: [now.candidate] },
            ],
            judge: input.judge,
            task: input.task,
          },
        ],
      }),
    (r) => (r.outcome === 'skipped' ? `skipped: ${r.reason}` : `evaluated ${input.cases.length} cases on both routes`),
  );
  const [cur, cand] = evaluation.configurations;
  const comparison = { current: cur, candidate: cand };
  const verdict = proposalVerdict(cur, cand);
  await progress.start('compare');
  if (!verdict.propose) {
    await progress.done('compare', verdict.reason);
    const r = await finish(cand.outcome === 'skipped' ? 'skipped' : 'not-proposed', verdict.reason, 'approval');
    return { ...r, comparison, evaluationWorkflowId };
  }
  await progress.done('compare', `propose: ${verdict.reason}`);

  await progress.start('approval');
  const decision = await progress.approval({
    title: `Route "${task}" tasks to ${now.candidate} (now ${now.route[0] ?? 'no configured provider'})?`,
    details: comparisonText(cur, cand, verdict.reason, now.change),
    timeoutMs: input.approval.timeoutMs,
    defaultOutcome: input.approval.defaultOutcome,
  });
  await progress.done('approval', `${decision.outcome} by ${decision.decidedBy}`);

  const approved = decision.outcome === 'approved';
  const record = await progress.step(
    'record',
    () =>
      local.modelRecordDecision({
        workflowId,
        task,
        tags: [approved ? 'approved' : 'rejected'],
        record: {
          task,
          outcome: decision.outcome,
          proposal: { from: now.route, to: now.change.route, candidate: now.candidate },
          reason: verdict.reason,
          decision,
          evidence: { evaluationWorkflowId, current: cur, candidate: cand, cases: input.cases.length },
          ...(approved ? { change: now.change } : {}),
          applied: false,
          note: approved
            ? 'Routes come from configuration: apply the change below (nothing was rewritten).'
            : 'Rejected: the route stays as it is.',
        },
      }),
    (r) => `${r.namespace}${r.key} v${r.version}`,
  );
  return {
    outcome: approved ? 'approved' : 'rejected',
    reason: verdict.reason,
    ...base,
    comparison,
    evaluationWorkflowId,
    decision,
    ...(approved ? { change: now.change } : {}),
    record,
  };
}
