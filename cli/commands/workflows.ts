// claude-flow workflow …: the catalog of types, starting runs, following their progress live.
import fs from 'node:fs';
import type { Command } from 'commander';
import { BASE, seg, type LiveEvent } from '../client';
import { action, intOption, type Ctx } from '../context';
import { UsageError } from '../errors';
import { ago, jsonOption, truncate } from '../output';

const W = (id: string) => `${BASE}/workflows/${seg(id)}`;
const CLOSED = new Set(['completed', 'failed', 'cancelled', 'terminated', 'timed_out', 'continued_as_new']);

export interface Step {
  name: string;
  status: string;
  detail?: string;
}
export interface Progress {
  type?: string;
  steps: Step[];
  completed: number;
  total: number;
  pendingApprovals?: { requestId: string; title: string }[];
}
export interface Run {
  workflowId: string;
  runId: string;
  type: string;
  status: string;
  startTime: string;
  closeTime?: string;
  sessionId?: string;
  progress?: Progress;
  result?: unknown;
  failure?: unknown;
}

/** `--input '{…}'` or `--input-file f.json` (or "-" for stdin). */
export function inputOf(o: { input?: string; inputFile?: string }): unknown {
  if (o.input !== undefined && o.inputFile !== undefined)
    throw new UsageError('give --input or --input-file, not both');
  if (o.inputFile !== undefined) {
    let text: string;
    try {
      text = fs.readFileSync(o.inputFile === '-' ? 0 : o.inputFile, 'utf8');
    } catch (err) {
      throw new UsageError(
        `cannot read ${o.inputFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    return jsonOption('--input-file', text);
  }
  return o.input === undefined ? undefined : jsonOption('--input', o.input);
}

function failureText(f: unknown): string {
  if (!f) return '';
  if (typeof f === 'string') return f;
  const o = f as { message?: string; cause?: unknown };
  return [o.message, o.cause ? failureText(o.cause) : ''].filter(Boolean).join(': ');
}

/**
 * Follows a run until it closes: subscribes to `workflow:<id>` first, then reads its state (so no
 * event is lost in between), shows a progress bar and reads the final state. Also polls, in case
 * the live stream is quiet. `--json`: JSON lines of events when `lines`, then the final run.
 */
export async function watchRun(
  { api, out }: Ctx,
  workflowId: string,
  opts: { lines?: boolean; quiet?: boolean; pollMs?: number } = {},
): Promise<Run> {
  const bar = opts.quiet ? undefined : out.progress();
  let closedHint = false;
  let wake: (() => void) | undefined;
  const label = (p: Pick<Progress, 'steps'> | undefined, step?: Step) => {
    const s =
      step ?? p?.steps.find((x) => x.status === 'running') ?? p?.steps.filter((x) => x.status !== 'pending').at(-1);
    return s ? `${s.name} ${s.status}${s.detail ? `: ${truncate(s.detail, 60)}` : ''}` : '';
  };
  const show = (run: Run) => {
    if (run.progress) bar?.update(run.progress.completed, run.progress.total, label(run.progress));
  };
  const onEvent = (e: LiveEvent) => {
    if (out.json && opts.lines) out.jsonLine({ event: e.type, data: e.data, at: e.at });
    const d = (e.data ?? {}) as { step?: Step; completed?: number; total?: number; title?: string; requestId?: string };
    if (e.type === 'progress' && d.step && typeof d.total === 'number') {
      bar?.update(d.completed ?? 0, d.total, label(undefined, d.step));
    } else if (e.type === 'approval' && !opts.quiet) {
      bar?.done();
      out.note(
        out.yellow(
          `waiting for approval: ${d.title ?? ''} — claude-flow workflow approve ${workflowId} ${d.requestId ?? '<requestId>'}`,
        ),
      );
    } else if (e.type === 'completed' || e.type === 'failed') {
      closedHint = true;
      wake?.();
    }
  };
  const sub = await api.live([`workflow:${workflowId}`], onEvent);
  try {
    for (;;) {
      const run = await api.get<Run>(W(workflowId));
      show(run);
      if (CLOSED.has(run.status)) {
        bar?.done();
        return run;
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, closedHint ? 200 : (opts.pollMs ?? 2_000));
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    await sub.close();
  }
}

export function printRun(ctx: Ctx, run: Run): void {
  const { out } = ctx;
  out.fields([
    ['workflow', run.workflowId],
    ['type', run.type],
    ['status', out.status(run.status)],
    ['session', run.sessionId],
    ['started', run.startTime],
    ['closed', run.closeTime],
  ]);
  if (run.progress?.steps.length) {
    out.line();
    out.table(
      ['STEP', 'STATUS', 'DETAIL'],
      run.progress.steps.map((s) => [s.name, out.status(s.status), truncate(s.detail, 80)]),
    );
  }
  for (const p of run.progress?.pendingApprovals ?? [])
    out.line(out.yellow(`pending approval ${p.requestId}: ${p.title}`));
  if (run.failure) out.line(out.red(`failure: ${failureText(run.failure)}`));
  if (run.result !== undefined) {
    const summary = (run.result as { summary?: unknown })?.summary;
    out.line();
    out.line(typeof summary === 'string' ? summary : JSON.stringify(run.result, null, 2));
  }
}

/** Exit code 1 unless the run completed. */
function finish(run: Run): void {
  if (run.status !== 'completed') process.exitCode = 1;
}

export function registerWorkflows(program: Command): void {
  const wf = program.command('workflow').description('Development workflows: start them, watch their progress');

  wf.command('types')
    .description('Workflow types you can run, with their input fields')
    .action(
      action(async ({ api, out }: Ctx) => {
        const res = await api.get<{ types: { type: string; description: string; inputSchema?: unknown }[] }>(
          `${BASE}/workflows/types`,
        );
        out.result(res, () =>
          out.table(
            ['TYPE', 'INPUT', 'DESCRIPTION'],
            res.types.map((t) => [
              t.type,
              Object.keys((t.inputSchema as { properties?: object })?.properties ?? {}).join(','),
              truncate(t.description, 80),
            ]),
          ),
        );
      }),
    );

  wf.command('definitions')
    .description('Custom workflow files (.claude-flow/workflows/*.yaml), each checked; exits 1 if any has problems')
    .action(
      action(async ({ api, out }: Ctx) => {
        const res = await api.get<{
          dir: string;
          definitions: { name: string; steps?: number; description?: string; problems?: string[] }[];
        }>(`${BASE}/workflows/types/custom/definitions`);
        out.result(res, () => {
          out.table(
            ['NAME', 'STEPS', 'STATUS'],
            res.definitions.map((d) => [
              d.name,
              d.steps === undefined ? '' : String(d.steps),
              d.problems ? out.red(`${d.problems.length} problem(s)`) : truncate(d.description ?? 'ok', 70),
            ]),
            `no definitions in ${res.dir}`,
          );
          for (const d of res.definitions) for (const p of d.problems ?? []) out.line(out.red(p));
        });
        if (res.definitions.some((d) => d.problems)) process.exitCode = 1;
      }),
    );

  wf.command('run')
    .description('Start a workflow (with --watch, follow it to the end)')
    .argument('<type>', 'from `claude-flow workflow types`')
    .option('--input <json>', "the type's input as JSON")
    .option('--input-file <file>', 'the input from a JSON file ("-": stdin)')
    .option('--id <workflowId>', 'choose the workflow id')
    .option('--session <sessionId>', 'run as a child of this session')
    .option('-w, --watch', 'follow progress until it finishes; exit 1 unless it completed')
    .action(
      action(async (ctx: Ctx, type: string, o) => {
        const { api, out } = ctx;
        const started = await api.post<{ workflowId: string; runId: string; type: string }>(`${BASE}/workflows`, {
          type,
          input: inputOf(o),
          workflowId: o.id,
          sessionId: o.session,
        });
        if (!o.watch) {
          out.result(started, () => {
            out.line(started.workflowId);
            out.note(out.dim(`follow it with: claude-flow workflow watch ${started.workflowId}`));
          });
          return;
        }
        if (out.json) out.jsonLine({ event: 'started', ...started });
        else out.note(out.dim(`started ${started.workflowId}`));
        const run = await watchRun(ctx, started.workflowId, { lines: true });
        if (out.json) out.jsonLine({ event: 'run', ...run });
        else printRun(ctx, run);
        finish(run);
      }),
    );

  wf.command('status')
    .description("A run's status, steps, pending approvals and result")
    .argument('<workflowId>')
    .action(
      action(async (ctx: Ctx, id: string) => {
        const run = await ctx.api.get<Run>(W(id));
        ctx.out.result(run, () => printRun(ctx, run));
      }),
    );

  wf.command('list')
    .description('Runs, newest first')
    .option('--type <type>', 'only this type')
    .option('--status <status>', 'running, completed, failed, cancelled, terminated, timed_out')
    .option('--session <sessionId>', "only this session's runs")
    .option('--limit <n>', 'at most this many (1-500)', intOption('--limit', 1, 500))
    .option('--page-token <token>', 'the next page, from a previous list')
    .action(
      action(async ({ api, out }: Ctx, o) => {
        const res = await api.get<{ runs: Run[]; nextPageToken?: string }>(`${BASE}/workflows`, {
          type: o.type,
          status: o.status,
          sessionId: o.session,
          limit: o.limit,
          pageToken: o.pageToken,
        });
        out.result(res, () => {
          out.table(
            ['WORKFLOW', 'TYPE', 'STATUS', 'STARTED', 'SESSION'],
            res.runs.map((r) => [r.workflowId, r.type, out.status(r.status), ago(r.startTime), r.sessionId]),
            'no runs (start one with: claude-flow workflow run <type>)',
          );
          if (res.nextPageToken) out.note(out.dim(`more: --page-token ${res.nextPageToken}`));
        });
      }),
    );

  wf.command('watch')
    .description('Follow a run live until it finishes (--json: JSON lines); exit 1 unless it completed')
    .argument('<workflowId>')
    .action(
      action(async (ctx: Ctx, id: string) => {
        const run = await watchRun(ctx, id, { lines: true });
        if (ctx.out.json) ctx.out.jsonLine({ event: 'run', ...run });
        else printRun(ctx, run);
        finish(run);
      }),
    );

  wf.command('cancel')
    .description('Cancel a running workflow')
    .argument('<workflowId>')
    .action(
      action(async ({ api, out }: Ctx, id: string) => {
        const res = await api.post<{ workflowId: string; status: string }>(`${W(id)}/cancel`);
        out.result(res, () => out.line(`${res.workflowId}: ${res.status}`));
      }),
    );

  wf.command('terminate')
    .description('Terminate a running workflow at once, without cleanup (admin)')
    .argument('<workflowId>')
    .option('--reason <text>', 'why (kept in the run)')
    .action(
      action(async ({ api, out }: Ctx, id: string, o) => {
        const res = await api.post<{ workflowId: string; status: string }>(
          `${W(id)}/terminate`,
          o.reason ? { reason: o.reason } : {},
        );
        out.result(res, () => out.line(`${res.workflowId}: ${res.status}`));
      }),
    );

  for (const decision of ['approve', 'reject'] as const) {
    wf.command(decision)
      .description(`${decision === 'approve' ? 'Approve' : 'Reject'} a run's pending approval`)
      .argument('<workflowId>')
      .argument('<requestId>', 'from `claude-flow workflow status`')
      .option('--comment <text>', 'why')
      .action(
        action(async ({ api, out }: Ctx, id: string, requestId: string, o) => {
          const res = await api.post<{ requestId: string; outcome: string }>(`${W(id)}/approvals/${seg(requestId)}`, {
            decision,
            comment: o.comment,
          });
          out.result(res, () => out.line(`${res.requestId}: ${out.status(res.outcome)}`));
        }),
      );
  }

  program
    .command('analytics')
    .description('Workflow run counts, success rates and durations by type')
    .option('--since <iso>', 'runs started at or after (default: 30 days ago)')
    .action(
      action(async ({ api, out }: Ctx, o) => {
        const res = await api.get<{
          types: {
            type: string;
            count: number;
            completed: number;
            failed: number;
            successRate: number;
            p50Ms: number;
            p95Ms: number;
          }[];
        }>(`${BASE}/analytics/workflows`, { since: o.since });
        out.result(res, () =>
          out.table(
            ['TYPE', 'RUNS', 'COMPLETED', 'FAILED', 'SUCCESS', 'P50', 'P95'],
            res.types.map((t) => [
              t.type,
              t.count,
              t.completed,
              t.failed,
              `${Math.round((t.successRate ?? 0) * 100)}%`,
              ms(t.p50Ms),
              ms(t.p95Ms),
            ]),
            'no runs yet',
          ),
        );
      }),
    );
}

const ms = (v: number | null | undefined) =>
  v === null || v === undefined ? '' : v < 1000 ? `${Math.round(v)}ms` : `${(v / 1000).toFixed(1)}s`;

export { CLOSED };
