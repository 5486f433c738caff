// `custom`: the one generic workflow that runs user-defined workflows from
// `.claude-flow/workflows/<name>.yaml`. Its first step loads, validates and pins the definition (the
// parsed definition lands in this run's history, keyed by the file's sha256), so editing or deleting
// the file never changes a running instance. Then it interprets the pinned definition: steps in
// order, `${{ }}` expressions rendered just before each step runs, one progress step per step id.
import { ApplicationFailure, executeChild, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { HttpStepInput, MemoryStepInput, ShellStepInput } from '../../activities/dev/custom';
import { ai } from '../ai';
import { Progress } from './common';
import { bookkeeping } from './proxies';
import { evalExpr, parseCondition, renderValue, type Scope } from '../contract/custom-expr';
import {
  type CustomResult,
  type CustomStep,
  MAX_CUSTOM_DEPTH,
  type PinnedDefinition,
  type StepResult,
} from '../contract/custom-types';
import { STEP_OUTPUT_PREVIEW } from '../contract/runs';
import { customInput, type CustomInput } from '../contract/inputs/custom';
import { parseInput } from '../contract/inputs/parse';

const github = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 8 },
});

/** The message of the innermost cause: what actually went wrong. */
function reasonOf(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  while (e?.cause && typeof e.cause === 'object') e = e.cause as typeof e;
  return e?.message ?? String(err);
}

const STEP_FAILED = 'CustomStepFailed';

/**
 * The patch under which a run marks the steps it will not run as skipped (a condition's other
 * branch, the body of a loop that ran no times); runs started before it left them pending.
 */
export const SKIP_UNTAKEN = 'custom-skip-untaken';

/** The output a failed step gave with its failure: the first detail of its innermost ApplicationFailure. */
function failureOutput(err: unknown): unknown {
  let e = err as { cause?: unknown; details?: unknown } | undefined;
  let found: unknown;
  while (e && typeof e === 'object') {
    if (Array.isArray(e.details) && e.details.length) found = e.details[0];
    e = e.cause as typeof e;
  }
  return found;
}

/** The start of `v` as JSON, for the progress view (at most STEP_OUTPUT_PREVIEW characters). */
function preview(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  let s: string;
  try {
    s = typeof v === 'string' ? v : JSON.stringify(v);
  } catch {
    return undefined;
  }
  if (s === undefined) return undefined;
  return s.length > STEP_OUTPUT_PREVIEW ? `${s.slice(0, STEP_OUTPUT_PREVIEW - 1)}…` : s;
}

function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

const isGroup = (s: CustomStep) => s.kind === 'condition' || s.kind === 'parallel' || s.kind === 'loop';

function allIds(steps: CustomStep[], out: string[] = []): string[] {
  for (const s of steps) {
    out.push(s.id);
    if (s.kind === 'condition') {
      allIds(s.condition.then, out);
      allIds(s.condition.else, out);
    } else if (s.kind === 'parallel') s.parallel.branches.forEach((b) => allIds(b, out));
    else if (s.kind === 'loop') allIds(s.loop.steps, out);
  }
  return out;
}

interface Ctx {
  loop?: Record<string, unknown>;
  /** Loop iteration numbers on the way to this step (they make its idempotency key unique). */
  iter: number[];
}

class Interpreter {
  readonly results: Record<string, StepResult> = {};
  private readonly workflowId = workflowInfo().workflowId;

  constructor(
    private readonly pinned: PinnedDefinition,
    private readonly progress: Progress,
    private readonly depth: number,
    private readonly skipUntaken: boolean,
  ) {}

  scope(ctx: Ctx): Scope {
    return {
      inputs: this.pinned.inputs,
      steps: this.results,
      loop: ctx.loop,
      workflow: { id: this.workflowId, name: this.pinned.name, hash: this.pinned.hash },
    };
  }

  async list(steps: CustomStep[], ctx: Ctx): Promise<unknown> {
    let last: unknown;
    for (const step of steps) {
      await this.step(step, ctx);
      last = this.results[step.id]?.output;
    }
    return last;
  }

  private async step(step: CustomStep, ctx: Ctx): Promise<void> {
    const key = step.id + ctx.iter.map((i) => `-${i}`).join('');
    const where = ctx.iter.length ? ` (iteration ${ctx.iter.join('.')})` : '';
    await this.progress.start(step.id, step.name ?? step.kind);
    let result: StepResult;
    try {
      result = await this.exec(step, ctx, key);
    } catch (err) {
      const reason = reasonOf(err);
      // A group's failure is its inner step's: only that step carries the output.
      const output = isGroup(step) ? undefined : failureOutput(err);
      this.results[step.id] = { status: 'failed', reason, ...(output !== undefined ? { output } : {}) };
      await this.progress.fail(step.id, `${reason}${where}`, preview(output));
      if (err instanceof ApplicationFailure && err.type === STEP_FAILED) throw err;
      throw ApplicationFailure.create({
        type: STEP_FAILED,
        nonRetryable: true,
        message: `step ${step.id}${where} (${step.kind}) failed: ${reason}`,
      });
    }
    this.results[step.id] = result;
    if (result.status === 'skipped') await this.progress.skip(step.id, `${result.reason ?? 'skipped'}${where}`);
    else
      await this.progress.done(
        step.id,
        `${summary(step, result.output)}${where}`,
        isGroup(step) ? undefined : preview(result.output),
      );
  }

  private render<T>(value: T, ctx: Ctx): T {
    return renderValue(value, this.scope(ctx)) as T;
  }

  private async exec(step: CustomStep, ctx: Ctx, key: string): Promise<StepResult> {
    const done = (output: unknown): StepResult => ({ status: 'done', output });
    switch (step.kind) {
      case 'shell': {
        const s = step.shell;
        const r = this.render({ args: s.args, cwd: s.cwd, env: s.env }, ctx);
        const input: ShellStepInput = {
          command: s.command,
          args: r.args.map(text),
          cwd: r.cwd === undefined ? undefined : text(r.cwd),
          env: r.env ? Object.fromEntries(Object.entries(r.env).map(([k, v]) => [k, text(v)])) : undefined,
          timeoutMs: s.timeoutMs,
          allowFailure: s.allowFailure,
        };
        const acts = proxyActivities<Activities>({
          startToCloseTimeout: s.timeoutMs + 30_000,
          heartbeatTimeout: '30 seconds',
          // A command may not be safe to repeat: it runs once.
          retry: { maximumAttempts: 1 },
        });
        return done(await acts.customShell(input));
      }
      case 'http': {
        const s = step.http;
        const r = this.render({ url: s.url, headers: s.headers, body: s.body }, ctx);
        const input: HttpStepInput = {
          method: s.method,
          url: text(r.url),
          headers: r.headers ? Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, text(v)])) : undefined,
          body: r.body,
          timeoutMs: s.timeoutMs,
          expectStatus: s.expectStatus,
          idempotencyKey: `${this.workflowId}/${key}`,
        };
        const acts = proxyActivities<Activities>({
          startToCloseTimeout: s.timeoutMs + 10_000,
          retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: s.retries + 1 },
        });
        return done(await acts.customHttp(input));
      }
      case 'memory': {
        const r = this.render(step.memory, ctx);
        const input = { ...r } as MemoryStepInput & Record<string, unknown>;
        for (const f of ['namespace', 'key', 'query'] as const) {
          if (f in input && input[f] !== undefined) input[f] = text(input[f]);
        }
        if (input.action === 'set' && input.tags) input.tags = input.tags.map(text);
        return done(await bookkeeping.customMemory(input));
      }
      case 'github': {
        const r = this.render(step.github, ctx);
        const stepKey = `custom/${key}`;
        if (r.action === 'comment') {
          const issue = Number(r.issue);
          if (!Number.isInteger(issue) || issue < 1) {
            throw new Error(`github.issue gave ${JSON.stringify(r.issue)}; expected an issue or pull request number`);
          }
          return done(
            await github.githubPostIssueComment({ repo: text(r.repo), issue, body: text(r.body), step: stepKey }),
          );
        }
        return done(
          await github.githubCreateIssue({
            repo: text(r.repo),
            title: text(r.title),
            body: text(r.body),
            labels: r.labels?.map(text),
            step: stepKey,
          }),
        );
      }
      case 'ai': {
        const r = this.render(step.ai, ctx);
        const res = await ai.callModel({
          task: r.task as Parameters<typeof ai.callModel>[0]['task'],
          messages: [{ role: 'user', content: text(r.prompt) }],
          system: r.system === undefined ? undefined : text(r.system),
          maxTokens: r.maxTokens,
          route: r.route,
          optional: true,
        });
        if (res.outcome === 'skipped') {
          return { status: 'skipped', reason: res.reason, output: { skipped: true, reason: res.reason } };
        }
        return done({
          text: res.text,
          provider: res.provider,
          model: res.model,
          usage: res.usage,
          costUsd: res.costUsd,
        });
      }
      case 'approval': {
        const r = this.render(step.approval, ctx);
        const outcome = await this.progress.approval({
          title: text(r.title),
          details: r.details === undefined ? undefined : text(r.details),
          timeoutMs: r.timeoutMs,
          defaultOutcome: r.default,
        });
        if (outcome.outcome === 'rejected' && r.onReject === 'fail') {
          throw new Error(
            `rejected by ${outcome.decidedBy}${outcome.comment ? `: ${outcome.comment}` : ''} (set onReject: continue to go on)`,
          );
        }
        return done(outcome);
      }
      case 'child': {
        const type = step.child.type;
        let input = this.render(step.child.input, ctx);
        if (type === 'custom') {
          if (this.depth + 1 > MAX_CUSTOM_DEPTH) {
            throw new Error(`custom workflows nest at most ${MAX_CUSTOM_DEPTH} deep; this would be deeper`);
          }
          input = { ...(input as Record<string, unknown>), depth: this.depth + 1 };
        }
        const checked = await bookkeeping.customCheckChildInput({ type, input, step: key });
        const output = await executeChild(type, {
          workflowId: `${this.workflowId}/${key}`,
          args: checked === undefined ? [] : [checked],
        });
        return done(output);
      }
      case 'condition': {
        const value = evalExpr(parseCondition(step.condition.if), this.scope(ctx));
        const branch = value ? 'then' : 'else';
        if (this.skipUntaken) {
          const other = allIds(value ? step.condition.else : step.condition.then);
          await this.progress.skipAll(other, `${value ? 'else' : 'then'} branch of ${step.id} not taken`);
        }
        await this.list(value ? step.condition.then : step.condition.else, ctx);
        return done({ branch, value });
      }
      case 'parallel': {
        const settled = await Promise.allSettled(step.parallel.branches.map((b) => this.list(b, ctx)));
        const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
        if (failed) throw failed.reason;
        return done(settled.map((s) => (s as PromiseFulfilledResult<unknown>).value));
      }
      case 'loop': {
        const l = step.loop;
        const results: unknown[] = [];
        if (l.over !== undefined) {
          const items =
            typeof l.over === 'string' ? evalExpr(parseCondition(l.over), this.scope(ctx)) : this.render(l.over, ctx);
          if (!Array.isArray(items)) {
            throw new Error(`loop.over gave ${items === null ? 'null' : typeof items}; expected a list`);
          }
          if (items.length > l.max) {
            throw new Error(
              `loop.over has ${items.length} items, more than max ${l.max}; raise max or shorten the list`,
            );
          }
          for (let i = 0; i < items.length; i++) {
            const loop = { item: items[i], index: i, [l.as]: items[i] };
            results.push(await this.list(l.steps, { loop, iter: [...ctx.iter, i] }));
          }
        } else {
          const cond = parseCondition(l.while as string);
          let i = 0;
          for (; ; i++) {
            const loop = { index: i, item: undefined, [l.as]: undefined };
            if (!evalExpr(cond, this.scope({ loop, iter: ctx.iter }))) break;
            if (i >= l.max) throw new Error(`loop ran max ${l.max} iterations and its while condition still holds`);
            results.push(await this.list(l.steps, { loop, iter: [...ctx.iter, i] }));
          }
        }
        if (this.skipUntaken && results.length === 0) {
          await this.progress.skipAll(allIds(l.steps), `loop ${step.id} ran no iterations`);
        }
        return done({ iterations: results.length, results });
      }
    }
  }
}

function summary(step: CustomStep, output: unknown): string {
  const o = (output ?? {}) as Record<string, unknown>;
  switch (step.kind) {
    case 'shell':
      return `${step.shell.command} exited ${String(o.exitCode)}`;
    case 'http':
      return `${step.http.method} answered ${String(o.status)}`;
    case 'memory':
      return step.memory.action;
    case 'github':
      return text(o.url);
    case 'ai':
      return `${text(o.provider)}:${text(o.model)}`;
    case 'approval':
      return `${text(o.outcome)} by ${text(o.decidedBy)}`;
    case 'child':
      return step.child.type;
    case 'condition':
      return `took ${text(o.branch)}`;
    case 'parallel':
      return `${step.parallel.branches.length} branches`;
    case 'loop':
      return `${String(o.iterations)} iterations`;
  }
}

/** Runs `.claude-flow/workflows/<name>.yaml` as it is when the run starts. */
export async function custom(raw: CustomInput): Promise<CustomResult> {
  const skipUntaken = patched(SKIP_UNTAKEN);
  const progress = new Progress('custom', ['load']);
  // The contract's schema, parsed here as well (see contract/inputs/parse.ts): defaults applied,
  // depth at most MAX_CUSTOM_DEPTH; a bad input is an InvalidRequest failure before anything runs.
  const input = parseInput('custom', customInput, raw);
  const { depth } = input;
  const pinned = await progress
    .step(
      'load',
      () => bookkeeping.customLoadDefinition(input),
      (p) => `${p.file} sha256 ${p.hash.slice(0, 12)}`,
    )
    .catch((err: unknown) => {
      // The run fails with what to fix in the file or the inputs, not a wrapped activity failure.
      throw ApplicationFailure.create({ type: 'CustomWorkflowInvalid', nonRetryable: true, message: reasonOf(err) });
    });
  for (const id of allIds(pinned.definition.steps)) progress.add(id);
  const run = new Interpreter(pinned, progress, depth, skipUntaken);
  await run.list(pinned.definition.steps, { iter: [] });
  const outputs = (renderValue(pinned.definition.outputs ?? {}, run.scope({ iter: [] })) ?? {}) as Record<
    string,
    unknown
  >;
  return { name: pinned.name, file: pinned.file, hash: pinned.hash, outputs, steps: run.results };
}
