// The shape of a validated custom workflow definition (`.claude-flow/workflows/<name>.yaml`), as the
// loader returns it and the `custom` workflow interprets it. Strings may hold `${{ }}` expressions
// (see custom-expr.ts); they are rendered just before the step runs. Plain JSON only.

export type InputType = 'string' | 'number' | 'boolean' | 'object' | 'array' | 'any';

export interface InputSpec {
  type: InputType;
  required: boolean;
  default?: unknown;
  description?: string;
}

interface Base {
  id: string;
  /** Shown in progress; default: the id. */
  name?: string;
}

export interface ShellSpec {
  /** A program on the allowlist (checked at load and again when it runs). */
  command: string;
  args: unknown[];
  /** Relative to the workspace; must stay inside it. */
  cwd?: string;
  env?: Record<string, unknown>;
  timeoutMs: number;
  /** A non-zero exit is a result (exitCode in the output) instead of a failed step. */
  allowFailure: boolean;
}

export interface HttpSpec {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, unknown>;
  body?: unknown;
  timeoutMs: number;
  /** Statuses that count as success; default any 2xx. */
  expectStatus?: number[];
  /** Extra attempts on connection errors, 429 and 5xx. */
  retries: number;
}

export type MemorySpec =
  | { action: 'get'; namespace: string; key: string }
  | {
      action: 'set';
      namespace: string;
      key: string;
      value: unknown;
      tags?: unknown[];
      ttlSeconds?: number;
    }
  | { action: 'search'; query: string; namespace?: string; limit: number };

export type GithubSpec =
  | { action: 'comment'; repo: string; issue: unknown; body: string }
  | { action: 'issue'; repo: string; title: string; body: string; labels?: unknown[] };

export interface AiSpec {
  prompt: string;
  system?: string;
  task: string;
  maxTokens?: number;
  route?: string[];
}

export interface ApprovalSpec {
  title: string;
  details?: string;
  timeoutMs?: number;
  default?: 'approve' | 'reject';
  /** fail: a rejection fails the run; continue: the outcome is the step's output. */
  onReject: 'fail' | 'continue';
}

export interface ChildSpec {
  type: string;
  input?: unknown;
}

export type CustomStep = Base &
  (
    | { kind: 'shell'; shell: ShellSpec }
    | { kind: 'http'; http: HttpSpec }
    | { kind: 'memory'; memory: MemorySpec }
    | { kind: 'github'; github: GithubSpec }
    | { kind: 'ai'; ai: AiSpec }
    | { kind: 'approval'; approval: ApprovalSpec }
    | { kind: 'child'; child: ChildSpec }
    | { kind: 'condition'; condition: { if: string; then: CustomStep[]; else: CustomStep[] } }
    | { kind: 'parallel'; parallel: { branches: CustomStep[][] } }
    | {
        kind: 'loop';
        loop: { over?: string; while?: string; max: number; as: string; steps: CustomStep[] };
      }
  );

export type StepKind = CustomStep['kind'];

export const STEP_KINDS: readonly StepKind[] = [
  'ai',
  'memory',
  'github',
  'http',
  'shell',
  'approval',
  'parallel',
  'condition',
  'loop',
  'child',
];

export interface CustomDefinition {
  name: string;
  description?: string;
  inputs: Record<string, InputSpec>;
  steps: CustomStep[];
  /** Values the run returns, usually `${{ steps.x.output... }}`. */
  outputs?: Record<string, unknown>;
}

/** What loading pins: the definition as it was, and the inputs resolved against it. */
export interface PinnedDefinition {
  name: string;
  file: string;
  /** sha256 of the file's bytes. */
  hash: string;
  definition: CustomDefinition;
  inputs: Record<string, unknown>;
}

export interface StepResult {
  status: 'done' | 'skipped' | 'failed';
  output?: unknown;
  reason?: string;
}

export interface CustomResult {
  name: string;
  file: string;
  hash: string;
  outputs: Record<string, unknown>;
  steps: Record<string, StepResult>;
}

/** Largest definition file accepted (the API, the loader and the designer's import). */
export const MAX_DEFINITION_BYTES = 256 * 1024;

/** Deepest chain of custom workflows starting custom workflows. */
export const MAX_CUSTOM_DEPTH = 5;
/** Most iterations a loop may declare. */
export const MAX_LOOP_ITERATIONS = 1000;
