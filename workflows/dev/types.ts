// Shared shapes of the development workflows (codeReview, securityAudit, testRun, deployPrep,
// perfMonitor, promptEval, modelUpdate, custom). Plain JSON only: these cross Temporal as payloads
// and are read by the API, the CLI and the dashboard.

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

/** One problem found by a review or an audit, wherever it came from (static check, AI, audit tool). */
export interface Finding {
  /** Stable rule id, e.g. "secret/aws-access-key", "risky/eval", "ai/review". */
  rule: string;
  severity: Severity;
  message: string;
  /** Repository-relative path. */
  path?: string;
  line?: number;
  endLine?: number;
  /** What produced it: "static", "linter", "ai", "npm-audit", … */
  source: string;
}

export type StepStatus = 'pending' | 'running' | 'done' | 'skipped' | 'failed';

export interface StepProgress {
  name: string;
  status: StepStatus;
  /** One line: what the step found, or why it was skipped / failed. */
  detail?: string;
  startedAt?: string;
  endedAt?: string;
}

/** A human decision a development workflow waits for (asked through its session when it has one). */
export interface PendingApproval {
  requestId: string;
  title: string;
  details?: string;
  deadline?: string;
  defaultOutcome?: 'approve' | 'reject';
}

/** The `progress` query of every development workflow. */
export interface WorkflowProgress {
  type: string;
  steps: StepProgress[];
  completed: number;
  total: number;
  pendingApprovals: PendingApproval[];
}

/** Where AI steps report they did not run (no provider configured, or nothing to ask). */
export interface Skipped {
  skipped: true;
  reason: string;
}
