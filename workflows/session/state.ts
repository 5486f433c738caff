// The session's state and the rules that change it: pure, deterministic, no I/O. The workflow
// wires it to messages and activities.
import type {
  ApprovalOutcome,
  ApprovalRequest,
  CarriedState,
  CheckpointRecord,
  ChildRef,
  ConversationSnapshot,
  RunEnd,
  MessageRef,
  SessionInput,
  SessionStatus,
  SessionView,
  TurnOutcome,
} from '../contract/session';
import { SESSION_LIMITS, stateFromConversation } from '../contract/session';
import { parseDuration } from '../contract/duration';

/** Runs tasks one at a time, in the order they arrive (concurrent updates queue up). */
export class TurnQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

export class SessionState {
  data: CarriedState;
  /** Bumped on every change, so the main loop wakes for anything. */
  version = 0;

  constructor(
    readonly input: SessionInput,
    now: string,
  ) {
    this.data = input.carried
      ? { ...input.carried, runs: input.carried.runs + 1 }
      : {
          ...stateFromConversation(
            { messageCount: 0, recent: [], totals: { inputTokens: 0, outputTokens: 0, costUsd: 0 } },
            now,
          ),
          runs: 1,
        };
  }

  private bump() {
    this.version++;
  }

  setStatus(status: SessionStatus, reason?: string) {
    this.data.status = status;
    this.data.statusReason = reason;
    this.bump();
  }

  nextSeq(): number {
    this.bump();
    return this.data.nextSeq++;
  }

  namespaces(): string[] {
    return this.input.settings?.memoryNamespaces ?? [`sessions/${this.input.sessionId}/`];
  }

  projectKey(): string | undefined {
    const p = this.input.project;
    return p?.repo ?? p?.path;
  }

  /** Numbers for the next user message and its reply, taken before the activity runs. */
  reserveTurn(): { userNo: number; replyNo: number; position: number } {
    const userNo = this.data.nextMessageNo;
    this.data.nextMessageNo += 2;
    this.bump();
    return { userNo, replyNo: userNo + 1, position: this.data.messageCount + 1 };
  }

  /** Message numbers of the current conversation that the window still holds, oldest first. */
  activeNos(): number[] {
    return this.data.recent.map((r) => r.no);
  }

  recordTurn(userNo: number, replyNo: number, position: number, r: TurnOutcome) {
    this.data.recent.push(
      { no: userNo, position, role: 'user', preview: r.userPreview, at: r.at },
      { no: replyNo, position: position + 1, role: 'assistant', preview: r.replyPreview, at: r.at },
    );
    if (this.data.recent.length > SESSION_LIMITS.recentWindow) {
      this.data.recent.splice(0, this.data.recent.length - SESSION_LIMITS.recentWindow);
    }
    this.data.messageCount = position + 1;
    this.data.totals.inputTokens += r.inputTokens;
    this.data.totals.outputTokens += r.outputTokens;
    this.data.totals.costUsd = Math.round((this.data.totals.costUsd + (r.costUsd ?? 0)) * 1e6) / 1e6;
    this.bump();
  }

  messages(from?: number, to?: number): MessageRef[] {
    return this.data.recent.filter(
      (m) => (from === undefined || m.position >= from) && (to === undefined || m.position <= to),
    );
  }

  snapshot(): ConversationSnapshot {
    return { messageCount: this.data.messageCount, recent: [...this.data.recent], totals: { ...this.data.totals } };
  }

  /** Back to a checkpoint's conversation. Message numbers keep counting up (never reused). */
  restore(c: ConversationSnapshot) {
    this.data.messageCount = c.messageCount;
    this.data.recent = [...c.recent];
    this.bump();
  }

  addCheckpoint(record: CheckpointRecord) {
    this.data.checkpoints.push(record);
    this.bump();
  }

  addChild(child: ChildRef) {
    this.data.children.push(child);
    this.bump();
  }

  /** Records a run's end once (its own signal and the result seen by this run may both report it). */
  finishChild(workflowId: string, status: RunEnd, at: string) {
    const c = this.data.children.find((x) => x.workflowId === workflowId);
    if (!c || c.status !== 'running') return;
    c.status = status;
    c.endedAt = at;
    // Bounded: every running run stays listed; the oldest finished ones go first.
    let excess = this.data.children.length - SESSION_LIMITS.childrenKept;
    this.data.children = this.data.children.filter((x) => excess <= 0 || x.status === 'running' || excess-- <= 0);
    this.bump();
  }

  runningChildren(): number {
    return this.data.children.filter((c) => c.status === 'running').length;
  }

  addApproval(req: Omit<ApprovalRequest, 'deadline'> & { timeout?: string; deadline?: string }): ApprovalRequest {
    const existing = this.data.pending.find((p) => p.requestId === req.requestId);
    if (existing) return existing;
    const ms = parseDuration(req.timeout);
    const request: ApprovalRequest = {
      requestId: req.requestId,
      title: req.title,
      details: req.details,
      from: req.from,
      requestedAt: req.requestedAt,
      deadline:
        req.deadline ?? (ms !== undefined ? new Date(Date.parse(req.requestedAt) + ms).toISOString() : undefined),
      defaultOutcome: req.defaultOutcome,
    };
    this.data.pending.push(request);
    if (this.data.status === 'active') this.setStatus('waiting_approval', `waiting for approval: ${request.title}`);
    this.bump();
    return request;
  }

  private decidedRequests: ApprovalRequest[] = [];

  decide(requestId: string, decision: 'approve' | 'reject', by: string, comment?: string): ApprovalOutcome {
    const i = this.data.pending.findIndex((p) => p.requestId === requestId);
    const [req] = this.data.pending.splice(i, 1);
    this.decidedRequests.push(req);
    if (this.decidedRequests.length > SESSION_LIMITS.decidedKept) this.decidedRequests.shift();
    const outcome: ApprovalOutcome = {
      requestId,
      outcome: decision === 'approve' ? 'approved' : 'rejected',
      decidedBy: by,
      comment,
      decidedAt: new Date().toISOString(),
    };
    this.data.decided.push(outcome);
    if (this.data.decided.length > SESSION_LIMITS.decidedKept) this.data.decided.shift();
    if (this.data.status === 'waiting_approval' && this.data.pending.length === 0) this.setStatus('active');
    this.bump();
    return outcome;
  }

  lastDecidedRequest(requestId: string): ApprovalRequest | undefined {
    return this.decidedRequests.find((r) => r.requestId === requestId);
  }

  expiredApprovals(now: number): string[] {
    return this.data.pending.filter((p) => p.deadline && Date.parse(p.deadline) <= now).map((p) => p.requestId);
  }

  /** Milliseconds until the next approval deadline and until idle expiry (negative: already due). */
  nextWakeMs(now: number, idleExpiry: string | undefined): { deadline?: number; idle?: number } {
    const deadlines = this.data.pending.filter((p) => p.deadline).map((p) => Date.parse(p.deadline as string) - now);
    const idleMs = parseDuration(idleExpiry);
    return {
      deadline: deadlines.length ? Math.min(...deadlines) : undefined,
      idle: idleMs !== undefined ? Date.parse(this.data.lastActivityAt) + idleMs - now : undefined,
    };
  }

  carry(): CarriedState {
    return JSON.parse(JSON.stringify(this.data)) as CarriedState;
  }

  view(): SessionView {
    const { recent: _r, nextMessageNo: _n, nextSeq: _s, ...rest } = this.data;
    return {
      ...rest,
      sessionId: this.input.sessionId,
      title: this.input.title,
      owner: this.input.owner,
      project: this.input.project,
      parent: this.input.parent,
      settings: this.input.settings ?? {},
      runningChildren: this.runningChildren(),
    };
  }

  /**
   * The next revision of the sessions row: the workflow's clock in ms * 1000, or one more than the
   * last when the clock has not moved on (several snapshots in one workflow task). Carried across
   * continue-as-new; after a reset, replay rebuilds the earlier revisions and the new tasks' clock
   * is later than every write of the discarded branch, so the row is never frozen at a revision the
   * workflow can no longer reach. Safe as an integer until the year 2255.
   */
  nextRevision(now: number = Date.now()): number {
    const revision = Math.max((this.data.revision ?? 0) + 1, now * 1000);
    this.data.revision = revision;
    return revision;
  }

  /**
   * The row the sessions table keeps for listing (the workflow stays the source of truth), as a
   * snapshot with a revision of its own: a write of an older snapshot never replaces a newer one.
   */
  projection(now?: number) {
    return {
      revision: this.nextRevision(now),
      sessionId: this.input.sessionId,
      title: this.input.title,
      owner: this.input.owner,
      project: this.projectKey() ?? null,
      parentId: this.input.parent?.sessionId ?? null,
      status: this.data.status,
      statusReason: this.data.statusReason ?? null,
      createdAt: this.data.createdAt,
      lastActivityAt: this.data.lastActivityAt,
      endedAt: this.data.status === 'ended' || this.data.status === 'failed' ? this.data.lastActivityAt : null,
      messageCount: this.data.messageCount,
      inputTokens: this.data.totals.inputTokens,
      outputTokens: this.data.totals.outputTokens,
      costUsd: this.data.totals.costUsd,
    };
  }
}
