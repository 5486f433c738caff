// The API client: same-origin fetches (the login cookie rides along), JSON in and out, and every
// failure turned into an ApiError carrying the API's problem+json title and detail.
export const BASE = '/api/claude-flow';

/** One bad field of a 400 (problem+json `errors`): `path` is dotted from the body, e.g. `input.repo`. */
export interface FieldError {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly errors: FieldError[] = [],
  ) {
    super(detail);
  }
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const method = init.method ?? 'GET';
  let res: Response;
  try {
    res = await fetch(
      path.startsWith('/') && !path.startsWith(BASE) && !path.startsWith('/readyz') ? BASE + path : path,
      {
        method,
        credentials: 'same-origin',
        headers:
          method === 'GET'
            ? { accept: 'application/json' }
            : { accept: 'application/json', 'content-type': 'application/json' },
        body: method === 'GET' ? undefined : JSON.stringify(init.body ?? {}),
      },
    );
  } catch {
    throw new ApiError(0, 'The API is unreachable', 'Check that `npm start` is still running, then try again.');
  }
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  // /readyz answers 503 with its checks when something is down: that is an answer, not an error.
  if (!res.ok && !(path === '/readyz' && data && typeof data === 'object' && 'status' in data)) {
    const p = (data ?? {}) as { title?: string; detail?: string; errors?: unknown };
    throw new ApiError(
      res.status,
      p.title ?? res.statusText,
      p.detail ?? (text.slice(0, 300) || `HTTP ${res.status}`),
      Array.isArray(p.errors) ? (p.errors as FieldError[]) : [],
    );
  }
  return data as T;
}

export type Role = 'viewer' | 'operator' | 'admin';
const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
export const allows = (have: Role, need: Role) => RANK[have] >= RANK[need];

export interface Me {
  actor: string;
  name: string;
  role: Role;
  via: string;
}

export type SessionStatus = 'active' | 'paused' | 'waiting_approval' | 'ended' | 'failed';
export const SESSION_STATUSES: SessionStatus[] = ['active', 'paused', 'waiting_approval', 'ended', 'failed'];

export interface SessionRow {
  sessionId: string;
  title: string;
  owner: string;
  project: string | null;
  status: SessionStatus;
  lastActivityAt: string;
  messageCount: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface Checkpoint {
  checkpointId: string;
  label: string;
  messageCount: number;
  gitRef?: string;
  memoryEntries: number;
  createdAt: string;
}

export interface Approval {
  requestId: string;
  title: string;
  details?: string;
  from: string;
  requestedAt: string;
  deadline?: string;
  defaultOutcome?: 'approve' | 'reject';
}

export interface Decision {
  requestId: string;
  outcome: 'approved' | 'rejected';
  decidedBy: string;
  comment?: string;
  decidedAt: string;
}

export interface SessionState {
  sessionId: string;
  title: string;
  owner: string;
  status: SessionStatus;
  statusReason?: string;
  project?: { repo?: string; path?: string; pullRequest?: number };
  parent?: { sessionId: string; checkpointId: string };
  messageCount: number;
  totals: { inputTokens: number; outputTokens: number; costUsd: number };
  checkpoints: Checkpoint[];
  pending: Approval[];
  decided: Decision[];
  children: { workflowId: string; type: string; status: string; startedAt: string; endedAt?: string }[];
  createdAt: string;
  lastActivityAt: string;
}

export interface Message {
  no: number;
  position: number;
  role: 'user' | 'assistant' | 'system';
  content: string;
  provider?: string | null;
  model?: string | null;
  /** Replies only: the tokens the turn used and what it cost (null: the model has no price). */
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number | null;
  /** Replies only: the memory entries the turn's prompt was given, best first (null: not recorded). */
  context?: { namespace: string; key: string; version: number; score: number }[] | null;
  at: string;
}

export interface Check {
  ok: boolean;
  detail: string;
  ms: number;
}
export interface WorkerSeen {
  identity: string;
  buildId?: string;
  polls: ('workflow' | 'activity')[];
  lastSeen?: string;
}
/** GET /readyz: `status`, one check per part, which API copy answered and the workers polling. */
export type Readiness = {
  status: 'ready' | 'not ready';
  api?: { identity: string };
  workers?: WorkerSeen[];
} & Record<string, Check | string | { identity: string } | WorkerSeen[] | undefined>;

export const isCheck = (v: unknown): v is Check =>
  typeof v === 'object' && v !== null && typeof (v as Check).ok === 'boolean' && 'detail' in v;

export interface Usage {
  totals: { calls: number; failures: number; inputTokens: number; outputTokens: number; costUsd: number | null };
}

export interface RunSummary {
  workflowId: string;
  type: string;
  status: string;
  startTime: string;
  closeTime?: string;
  durationMs?: number;
  sessionId?: string;
}

export const money = (usd: number | null | undefined) =>
  usd === null || usd === undefined ? '—' : `$${usd < 0.01 && usd > 0 ? usd.toFixed(4) : usd.toFixed(2)}`;
export const count = (n: number) => n.toLocaleString('en-US');
export const plural = (n: number, one: string, many: string) => `${count(n)} ${n === 1 ? one : many}`;
export const when = (iso: string | undefined) => (iso ? new Date(iso).toLocaleString() : '—');
