// The session's data, shared by the workflow, its activities, the API and the CLI. Plain JSON only
// (no Map, no Date): everything here crosses Temporal as payloads.

/**
 * A session id: 1-100 letters, digits, `_`, `.` or `-`, starting with a letter or digit. It is also
 * a valid memory namespace segment (`sessions/<id>/`), so every part that keys by it accepts it.
 */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
export const SESSION_ID_RULE = '1-100 letters, digits, ".", "_" or "-", starting with a letter or digit';
const WORKFLOW_ID_PREFIX = 'session-';

/** The workflow id of a session: `session-<id>`. */
export const sessionWorkflowId = (sessionId: string) => `${WORKFLOW_ID_PREFIX}${sessionId}`;
/** The session id of a session's workflow id, or undefined for any other workflow. */
export const sessionIdOf = (workflowId: string | undefined): string | undefined =>
  workflowId?.startsWith(WORKFLOW_ID_PREFIX) ? workflowId.slice(WORKFLOW_ID_PREFIX.length) : undefined;

/** What one turn's activity reports back (the reply body itself is in Postgres too). */
export interface TurnOutcome {
  reply: string;
  userPreview: string;
  replyPreview: string;
  at: string;
  provider: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
}

/** The conversation part of the state: what a checkpoint captures and a rollback restores. */
export interface ConversationSnapshot {
  messageCount: number;
  recent: MessageRef[];
  totals: CarriedState['totals'];
}

/** The first characters of a message body, as the workflow and the sessions table keep them. */
export const previewOf = (text: string) => (text.length > 200 ? `${text.slice(0, 199)}…` : text);

export type SessionStatus = 'active' | 'paused' | 'waiting_approval' | 'ended' | 'failed';

export interface ProjectRef {
  /** GitHub repository, "owner/name". */
  repo?: string;
  /** Pull request number in `repo`, for reviews. */
  pullRequest?: number;
  /** A local git repository (absolute path on the worker's machine). */
  path?: string;
}

export interface SessionSettings {
  /** Provider chain for this session's replies, e.g. ["anthropic:claude-opus-4-1", "openai"]. */
  route?: string[];
  /**
   * The session's own memory namespaces: it reads context from them, checkpoints capture them and
   * rollback restores them. @default ["sessions/<sessionId>/"]
   */
  memoryNamespaces?: string[];
  /**
   * Namespaces the session only reads context from, shared with others: never captured, never
   * restored, never copied into a fork (a fork reads the same ones).
   */
  sharedNamespaces?: string[];
  /** End the session after this long without activity (a Temporal duration, e.g. "7 days"). */
  idleExpiry?: string;
  /** Messages per workflow run before continue-as-new (besides Temporal's own suggestion). @default 500 */
  continueAsNewAfter?: number;
  /** Token budget for memory context retrieved into each prompt. @default 2000 */
  contextTokens?: number;
  /** Token budget for the conversation so far in each prompt (the most recent messages that fit). @default 32000 */
  historyTokens?: number;
  /** System prompt for this session. */
  system?: string;
  /** Overrides CLAUDE_FLOW_MEMORY_AUTOSAVE for this session: off, exchanges, or all (also decisions and errors). */
  memoryAutosave?: 'off' | 'exchanges' | 'all';
}

export interface SessionInput {
  sessionId: string;
  title: string;
  owner: string;
  project?: ProjectRef;
  settings?: SessionSettings;
  /** Set when the session was forked from another one's checkpoint. */
  parent?: { sessionId: string; checkpointId: string };
  /** State carried across continue-as-new (and into a fork). */
  carried?: CarriedState;
}

/** A message as the workflow holds it: the body lives in Postgres (claim check). */
export interface MessageRef {
  /** Ever-increasing number within the session (never reused, even after a rollback). */
  no: number;
  /** Place in the current conversation, 1-based. */
  position: number;
  role: 'user' | 'assistant';
  /** First characters of the body. */
  preview: string;
  at: string;
}

export interface Totals {
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface CheckpointRecord {
  checkpointId: string;
  sessionId: string;
  label: string;
  /** Conversation length at the checkpoint. */
  messageCount: number;
  /** Commit (local repository) or pull request head sha, where the session has a project. */
  gitRef?: string;
  /** Memory entries captured from the session's namespaces. */
  memoryEntries: number;
  createdAt: string;
}

export interface ApprovalRequest {
  requestId: string;
  title: string;
  details?: string;
  /** Who asked: the session itself or a child workflow's id. */
  from: string;
  requestedAt: string;
  /** ISO time after which `defaultOutcome` applies. */
  deadline?: string;
  defaultOutcome?: 'approve' | 'reject';
}

export interface ApprovalOutcome {
  requestId: string;
  outcome: 'approved' | 'rejected';
  /** Who decided: a user, or "deadline" when the default outcome applied. */
  decidedBy: string;
  comment?: string;
  decidedAt: string;
}

/** A development workflow run the session started. */
export interface ChildRef {
  workflowId: string;
  type: string;
  status: 'running' | RunEnd;
  startedAt: string;
  endedAt?: string;
}

/** How a run ended. */
export type RunEnd = 'completed' | 'failed' | 'cancelled';

/** What survives continue-as-new: compact by design (recent window, not the whole conversation). */
export interface CarriedState {
  status: SessionStatus;
  statusReason?: string;
  createdAt: string;
  lastActivityAt: string;
  messageCount: number;
  nextMessageNo: number;
  recent: MessageRef[];
  totals: Totals;
  checkpoints: CheckpointRecord[];
  pending: ApprovalRequest[];
  decided: ApprovalOutcome[];
  children: ChildRef[];
  nextSeq: number;
  runs: number;
  /**
   * The revision of the last snapshot of the sessions row: workflow time in ms * 1000 plus a
   * sequence within the millisecond, so it only grows, across continue-as-new and after a reset.
   * Absent in state carried from before revisions.
   */
  revision?: number;
}

/** The `state` query. `decided` lists the most recent decisions: what was decided, by whom (a user, or "deadline"), when. */
export interface SessionView extends Omit<CarriedState, 'recent' | 'nextMessageNo' | 'nextSeq'> {
  sessionId: string;
  title: string;
  owner: string;
  project?: ProjectRef;
  parent?: { sessionId: string; checkpointId: string };
  settings: SessionSettings;
  runningChildren: number;
}

export interface SendMessageInput {
  text: string;
  /** Stream the reply as live events on `session:<id>` while it is written. @default true */
  stream?: boolean;
  /** Override the session's route for this message. */
  route?: string[];
  maxTokens?: number;
  temperature?: number;
}

export interface SendMessageResult {
  reply: string;
  /** Message numbers of the user's message and the reply. */
  userMessageNo: number;
  replyMessageNo: number;
  provider: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
}

/** A development workflow run started by the session (its runWorkflow update). */
export interface RunWorkflowInput {
  type: string;
  /** The run's input, checked against the type's schema by the API. */
  input?: unknown;
  /** @deprecated The old name of `input`, still accepted. */
  params?: unknown;
}

export interface DecideInput {
  requestId: string;
  decision: 'approve' | 'reject';
  comment?: string;
  by?: string;
}

export interface RequestApprovalInput {
  title: string;
  details?: string;
  /** A Temporal duration ("2 hours") after which `defaultOutcome` applies. */
  timeout?: string;
  defaultOutcome?: 'approve' | 'reject';
  /** Set by child workflows asking through the session. */
  from?: string;
  requestId?: string;
}

/** Limits enforced by the update validators. */
export const SESSION_LIMITS = {
  messageChars: 200_000,
  labelChars: 200,
  recentWindow: 40,
  checkpoints: 200,
  decidedKept: 50,
  /** Runs (child workflows) in progress at once. */
  runningChildren: 50,
  /** Runs the session lists: all that are running, then the most recent finished ones. */
  childrenKept: 100,
  /** Approvals waiting for a decision at once. */
  pendingApprovals: 100,
  /** Longest approval timeout or idle expiry: a year (Temporal timers cannot be arbitrarily long). */
  maxDurationMs: 366 * 86_400_000,
} as const;

/** The state a session starts from when it begins at a conversation (a fork or an import): nothing else carried. */
export function stateFromConversation(conversation: ConversationSnapshot, now: string): CarriedState {
  const maxNo = conversation.recent.reduce((m, r) => Math.max(m, r.no), conversation.messageCount);
  return {
    status: 'active',
    createdAt: now,
    lastActivityAt: now,
    messageCount: conversation.messageCount,
    nextMessageNo: maxNo + 1,
    recent: conversation.recent,
    totals: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
    checkpoints: [],
    pending: [],
    decided: [],
    children: [],
    nextSeq: 1,
    runs: 0,
  };
}

/** Where a fork's copy of one of its parent's namespaces lives. */
export interface NamespaceMapping {
  from: string;
  to: string;
}

/**
 * A fork's own namespaces, one for each of its parent's: the parent's session namespace
 * (`sessions/<parent>/…`) becomes the fork's (`sessions/<fork>/…`), any other namespace X becomes
 * `forks/<fork>/X`. So nothing the fork writes or restores can touch its parent, or the reverse.
 */
export function forkNamespaces(parentNamespaces: string[], parentId: string, forkId: string): NamespaceMapping[] {
  const own = `sessions/${parentId}/`;
  return parentNamespaces.map((from) => ({
    from,
    to: from.startsWith(own) ? `sessions/${forkId}/${from.slice(own.length)}` : `forks/${forkId}/${from}`,
  }));
}

/** `namespace` renamed by the most specific mapping that covers it (unchanged when none does). */
export function mapNamespace(mapping: NamespaceMapping[], namespace: string): string {
  const m = mapping.filter((x) => namespace.startsWith(x.from)).sort((a, b) => b.from.length - a.from.length)[0];
  return m ? m.to + namespace.slice(m.from.length) : namespace;
}

/** What a rollback did, besides putting the conversation back. */
export interface RollbackOutcome {
  checkpointId: string;
  /** The branch the repository is on now, made at the checkpoint's commit for this rollback. */
  branch?: string;
  /** The checkpoint's commit. */
  gitRef?: string;
  memory: {
    /** Entries written back, each at a new, higher version. */
    restored: number;
    /** Entries made after the checkpoint, deleted. */
    deleted: number;
    /** Captured entries whose expiry has passed since, not brought back. */
    expired: number;
  };
}

/** What the restoreCheckpoint activity reports. */
export interface RestoredCheckpoint extends Omit<RollbackOutcome, 'checkpointId'> {
  conversation: ConversationSnapshot;
}

/** The rollback update's answer: the session as it is now, and what the rollback did. */
export interface RollbackResult extends SessionView {
  rollback: RollbackOutcome;
}
