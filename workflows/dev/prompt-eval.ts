// promptEval: every case of an evaluation set through every model configuration (ai.callModel
// with the configuration's route), judge-scored cases graded by a judge model, and a report of
// quality, latency, tokens and cost per configuration. With no provider for a configuration its
// calls are skipped (optional calls), and with none at all the whole evaluation reports skipped.
import { ActivityFailure, ApplicationFailure, patched, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { ModelRequest, ModelResult, TaskKind } from '../../activities/ai/types';
import type { CallRecord, CaseResult, PromptEvalResult, ScoreItem } from '../../activities/dev/prompt-eval/types';
import { promptEvalInput, type EvalCase, type PromptEvalInput } from '../contract/inputs/prompt-eval';
import { parseInput } from '../contract/inputs/parse';
import { ai } from '../ai';
import { INPUT_PARSED_IN_WORKFLOW, Progress } from './common';

const local = proxyLocalActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 3 },
});

export const JUDGE_SYSTEM =
  'You grade answers for an evaluation. Reply with only one JSON object and nothing else: ' +
  '{"pass": true or false, "score": a number from 0 to 1, "reason": "one sentence"}.';

/** The judge's user message for one answer. */
export function judgePrompt(c: Pick<EvalCase, 'prompt' | 'criteria' | 'expected'>, answer: string): string {
  return [
    `## Question\n${c.prompt}`,
    c.criteria ? `## Criteria a good answer meets\n${c.criteria}` : undefined,
    c.expected ? `## Reference answer\n${c.expected}` : undefined,
    `## Answer to grade\n${answer}`,
    '## Your verdict\nJSON only: {"pass": boolean, "score": 0..1, "reason": string}',
  ]
    .filter(Boolean)
    .join('\n\n');
}

/** A model call that never throws: failures after the retries become an `error` record. */
async function callRecord(request: ModelRequest): Promise<CallRecord> {
  let r: ModelResult;
  try {
    r = await ai.callModel(request);
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    const cause = err.cause instanceof ApplicationFailure ? err.cause : undefined;
    return { outcome: 'error', error: cause?.message ?? err.cause?.message ?? err.message };
  }
  if (r.outcome === 'skipped') return r;
  return {
    outcome: 'ok',
    text: r.text,
    latencyMs: r.latencyMs,
    costUsd: r.costUsd,
    usage: r.usage,
    provider: r.provider,
    model: r.model,
  };
}

const tokensOf = (r: CallRecord) => (r.outcome === 'ok' ? r.usage.inputTokens + r.usage.outputTokens : 0);

export async function promptEval(raw: PromptEvalInput): Promise<PromptEvalResult> {
  // Asked first, before any command: a patch decided after a local activity can come out the
  // other way on replay when the activity's completion landed in a later workflow task.
  const parsedHere = patched(INPUT_PARSED_IN_WORKFLOW);
  const progress = new Progress('promptEval', ['validate', 'answer', 'report']);
  // The contract's schema, parsed here (see contract/inputs/parse.ts); runs started before that
  // parsed it in a local activity, and replay the same way.
  const input = await progress.step('validate', async () =>
    parsedHere ? parseInput('promptEval', promptEvalInput, raw) : await local.parsePromptEvalInput(raw),
  );
  const { workflowId } = workflowInfo();
  const task = input.task as TaskKind;
  const configs = input.configurations.map((c) => ({ label: c.label ?? c.route.join(' > '), route: c.route }));
  const needsJudge = input.cases.some((c) => c.scorer === 'judge');
  const judgeRoute = input.judge?.route;
  let judgeSkipped: string | undefined;

  const answer = (cfg: number, c: EvalCase) =>
    callRecord({
      task,
      messages: [{ role: 'user', content: c.prompt }],
      system: c.system,
      route: configs[cfg].route,
      maxTokens: input.maxTokens,
      temperature: input.temperature,
      optional: true,
    });

  /** Answers one case (and has it judged): the pair's records, not yet scored. */
  async function pair(cfg: number, k: number, known?: CallRecord): Promise<ScoreItem> {
    const c = input.cases[k];
    const a = known ?? (await answer(cfg, c));
    const item: ScoreItem = { scorer: c.scorer, expected: c.expected, answer: a };
    if (c.scorer === 'judge' && a.outcome === 'ok') {
      item.judge = judgeSkipped
        ? { outcome: 'skipped', reason: judgeSkipped }
        : await callRecord({
            task: 'review',
            system: JUDGE_SYSTEM,
            messages: [{ role: 'user', content: judgePrompt(c, a.text) }],
            route: judgeRoute,
            maxTokens: 300,
            temperature: 0,
            optional: true,
          });
      if (item.judge.outcome === 'skipped') judgeSkipped ??= item.judge.reason;
    }
    return item;
  }

  const results: CaseResult[] = [];
  async function scoreBatch(batch: { cfg: number; k: number; item: ScoreItem }[]): Promise<void> {
    const scores = await local.promptEvalScore(batch.map((b) => b.item));
    batch.forEach(({ cfg, k, item }, i) => results.push(caseResult(input.cases[k].id, cfg, item, scores[i])));
  }

  await progress.step(
    'answer',
    async () => {
      // The first case of each configuration tells whether it can run at all.
      const firsts = await Promise.all(configs.map((_, cfg) => answer(cfg, input.cases[0])));
      const jobs: { cfg: number; k: number; known?: CallRecord }[] = [];
      configs.forEach((_, cfg) => {
        const first = firsts[cfg];
        input.cases.forEach((_c, k) => {
          if (k === 0) jobs.push({ cfg, k, known: first });
          else if (first.outcome === 'skipped') jobs.push({ cfg, k, known: first });
          else jobs.push({ cfg, k });
        });
      });
      for (let i = 0; i < jobs.length; i += input.concurrency) {
        const slice = jobs.slice(i, i + input.concurrency);
        const items = await Promise.all(slice.map((j) => pair(j.cfg, j.k, j.known)));
        await scoreBatch(slice.map((j, n) => ({ cfg: j.cfg, k: j.k, item: items[n] })));
      }
      return results;
    },
    (r) => `${r.filter((x) => x.outcome === 'ok').length} of ${r.length} answered`,
  );

  results.sort(
    (a, b) => a.configuration - b.configuration || indexOf(input.cases, a.caseId) - indexOf(input.cases, b.caseId),
  );
  const report = await progress.step(
    'report',
    () =>
      local.promptEvalReport({
        workflowId,
        configurations: configs,
        results,
        judge: needsJudge ? { route: judgeRoute, skipped: judgeSkipped } : undefined,
      }),
    (r) =>
      r.outcome === 'skipped'
        ? `skipped: ${r.reason}`
        : r.configurations
            .map(
              (c) =>
                `${c.label}: ${c.outcome === 'skipped' ? 'skipped' : `pass ${c.passed}/${c.scored}, mean ${c.meanScore}`}`,
            )
            .join('; '),
  );
  return report;
}

function indexOf(cases: EvalCase[], id: string): number {
  return cases.findIndex((c) => c.id === id);
}

function caseResult(
  caseId: string,
  configuration: number,
  item: ScoreItem,
  score: { pass: boolean | null; score: number | null; reason: string },
): CaseResult {
  const a = item.answer;
  const out: CaseResult = {
    caseId,
    configuration,
    outcome: a.outcome,
    pass: score.pass,
    score: score.score,
    reason: score.reason,
  };
  if (a.outcome === 'error') out.error = a.error;
  if (a.outcome === 'ok') {
    out.answer = a.text.length > 500 ? `${a.text.slice(0, 500)}…` : a.text;
    out.latencyMs = a.latencyMs;
    out.costUsd = a.costUsd;
    out.tokens = { input: a.usage.inputTokens, output: a.usage.outputTokens };
    out.model = `${a.provider}:${a.model}`;
  }
  const j = item.judge;
  if (j?.outcome === 'ok') {
    out.judge = { latencyMs: j.latencyMs, costUsd: j.costUsd, tokens: tokensOf(j), model: `${j.provider}:${j.model}` };
  }
  return out;
}
