// What every development workflow shares: step progress (a `progress` query plus live events on
// `workflow:<id>`) and human approval (asked through the parent session when there is one, or
// answered on the workflow directly through the API).
import { condition, getExternalWorkflowHandle, log, setHandler, workflowInfo } from '@temporalio/workflow';
import { approvalDecidedSignal, approvalRequestedSignal } from '../contract/session-messages';
import { sessionIdOf, type ApprovalOutcome } from '../contract/session';
import { events } from './proxies';
import { progressQuery, type PendingApproval, type StepProgress, type WorkflowProgress } from '../contract/runs';

export { progressQuery };

/**
 * The patch under which perfMonitor, promptEval and modelUpdate parse their input in the workflow
 * (contract/inputs/parse.ts); runs started before it parsed in a local activity (parse*Input).
 */
export const INPUT_PARSED_IN_WORKFLOW = 'input-parsed-in-workflow';

/**
 * The steps of one run. Create it first thing in the workflow: it answers the `progress` query
 * and publishes every change as a live event (`workflow:<id>`, type `progress`).
 */
export class Progress {
  readonly steps: StepProgress[];
  readonly pending: PendingApproval[] = [];
  private readonly outcomes = new Map<string, ApprovalOutcome>();
  private seq = 0;

  constructor(
    readonly type: string,
    names: string[],
  ) {
    this.steps = names.map((name) => ({ name, status: 'pending' }));
    setHandler(progressQuery, () => this.view());
    setHandler(approvalDecidedSignal, (outcome) => {
      this.outcomes.set(outcome.requestId, outcome);
    });
  }

  view(): WorkflowProgress {
    const completed = this.steps.filter((s) => s.status !== 'pending' && s.status !== 'running').length;
    return { type: this.type, steps: this.steps, completed, total: this.steps.length, pendingApprovals: this.pending };
  }

  /** Adds a step not known at the start (e.g. one per custom workflow step). */
  add(name: string): void {
    if (!this.steps.some((s) => s.name === name)) this.steps.push({ name, status: 'pending' });
  }

  async start(name: string, detail?: string): Promise<void> {
    await this.set(name, 'running', detail);
  }
  async done(name: string, detail?: string, output?: string): Promise<void> {
    await this.set(name, 'done', detail, output);
  }
  async skip(name: string, reason: string): Promise<void> {
    await this.set(name, 'skipped', reason);
  }
  async fail(name: string, reason: string, output?: string): Promise<void> {
    await this.set(name, 'failed', reason, output);
  }

  /**
   * Marks steps that will not run (a condition's other branch, a loop's body that ran no times) as
   * skipped, in one `progress` event whose `steps` lists them all.
   */
  async skipAll(names: string[], reason: string): Promise<void> {
    const now = new Date().toISOString();
    const changed: StepProgress[] = [];
    for (const name of names) {
      this.add(name);
      const step = this.steps.find((s) => s.name === name) as StepProgress;
      if (step.status !== 'pending') continue;
      step.status = 'skipped';
      step.detail = reason;
      step.endedAt = now;
      changed.push({ ...step });
    }
    if (changed.length === 0) return;
    await this.publish('progress', { steps: changed, completed: this.view().completed, total: this.steps.length });
  }

  /** Runs `body` as step `name`: running → done (with `detail(result)`) or failed (and rethrows). */
  async step<T>(name: string, body: () => Promise<T>, detail?: (result: T) => string | undefined): Promise<T> {
    await this.start(name);
    try {
      const result = await body();
      await this.done(name, detail?.(result));
      return result;
    } catch (err) {
      await this.fail(name, (err as Error).message ?? String(err));
      throw err;
    }
  }

  /**
   * Asks a human and waits for the answer. With a parent session the request shows in the session
   * (`waiting_approval`) and is answered with its `decide` update; without one it shows in this
   * workflow's `progress` query and is answered through `POST /workflows/{id}/approvals/{requestId}`.
   * After `timeout` (a duration in ms) the default outcome applies.
   */
  async approval(req: {
    title: string;
    details?: string;
    timeoutMs?: number;
    defaultOutcome?: 'approve' | 'reject';
  }): Promise<ApprovalOutcome> {
    const info = workflowInfo();
    const requestId = `${info.workflowId}-approval-${++this.seq}`;
    const deadline = req.timeoutMs !== undefined ? new Date(Date.now() + req.timeoutMs).toISOString() : undefined;
    this.pending.push({
      requestId,
      title: req.title,
      details: req.details,
      deadline,
      defaultOutcome: req.defaultOutcome,
    });
    const session = sessionIdOf(info.parent?.workflowId) !== undefined ? info.parent?.workflowId : undefined;
    if (session) {
      await getExternalWorkflowHandle(session)
        .signal(approvalRequestedSignal, {
          requestId,
          from: info.workflowId,
          title: req.title,
          details: req.details,
          timeout: req.timeoutMs !== undefined ? `${req.timeoutMs} milliseconds` : undefined,
          defaultOutcome: req.defaultOutcome,
        })
        .catch((err: unknown) => log.warn('could not ask the session for approval', { err: String(err) }));
    }
    await this.publish('approval', { requestId, title: req.title, deadline });
    const answered = () => this.outcomes.has(requestId);
    const inTime =
      req.timeoutMs !== undefined
        ? // The session applies the deadline itself; the grace keeps the two from racing.
          await condition(answered, req.timeoutMs + (session ? 5_000 : 0))
        : (await condition(answered), true);
    this.pending.splice(
      this.pending.findIndex((p) => p.requestId === requestId),
      1,
    );
    const outcome: ApprovalOutcome = inTime
      ? (this.outcomes.get(requestId) as ApprovalOutcome)
      : {
          requestId,
          outcome: req.defaultOutcome === 'approve' ? 'approved' : 'rejected',
          decidedBy: 'deadline',
          decidedAt: new Date().toISOString(),
        };
    await this.publish('approval-decided', outcome);
    return outcome;
  }

  private async set(name: string, status: StepProgress['status'], detail?: string, output?: string): Promise<void> {
    this.add(name);
    const step = this.steps.find((s) => s.name === name) as StepProgress;
    const now = new Date().toISOString();
    step.status = status;
    if (detail !== undefined) step.detail = detail;
    if (status === 'running') {
      step.startedAt = now;
      // A loop's next iteration: the last one's end and output no longer describe it.
      delete step.endedAt;
      delete step.output;
    } else step.endedAt = now;
    if (output !== undefined) step.output = output;
    await this.publish('progress', { step: { ...step }, completed: this.view().completed, total: this.steps.length });
  }

  private async publish(type: string, data: unknown): Promise<void> {
    // Progress is best effort: a lost event never fails the run (the query has the truth).
    await events
      .publishWorkflowEvent({ workflowId: workflowInfo().workflowId, type, data })
      .catch((err: unknown) => log.warn('progress event not published', { err: String(err) }));
  }
}
