// Shapes of promptEval and modelUpdate: what each model call gave, each case's score, and the
// report per configuration. Plain JSON: they cross Temporal.
import type { Usage } from '../../ai/types';
import type { Score } from './score';

export type { Score };

/** One model call as the evaluation keeps it. */
export type CallRecord =
  | {
      outcome: 'ok';
      text: string;
      latencyMs: number;
      costUsd: number | null;
      usage: Usage;
      provider: string;
      model: string;
    }
  | { outcome: 'skipped'; reason: string }
  | { outcome: 'error'; error: string };

export interface ScoreItem {
  scorer: 'exact' | 'contains' | 'regex' | 'judge';
  expected?: string;
  answer: CallRecord;
  /** The judge's call, for judge-scored cases whose answer came back. */
  judge?: CallRecord;
}

/** One case under one configuration. */
export interface CaseResult extends Score {
  caseId: string;
  /** Index into the configurations. */
  configuration: number;
  outcome: 'ok' | 'error' | 'skipped';
  /** The answer's first 500 characters. */
  answer?: string;
  error?: string;
  latencyMs?: number;
  costUsd?: number | null;
  /** Input and output tokens of the answer. */
  tokens?: { input: number; output: number };
  /** "provider:model" that answered. */
  model?: string;
  judge?: { latencyMs: number; costUsd: number | null; tokens: number; model: string };
}

export interface ConfigurationReport {
  index: number;
  label: string;
  route: string[];
  outcome: 'ok' | 'skipped';
  reason?: string;
  /** "provider:model" entries that answered (a chain may fall back). */
  models: string[];
  cases: number;
  answered: number;
  errors: number;
  /** Cases with a score (errors count as 0; cases whose judge did not run are unscored). */
  scored: number;
  passed: number;
  /** passed / scored; null when nothing was scored. */
  passRate: number | null;
  /** Mean score over the scored cases, 0..1; null when nothing was scored. */
  meanScore: number | null;
  /** Nearest-rank percentiles of answer latency. */
  latencyMs: { p50: number; p95: number } | null;
  tokens: { input: number; output: number; total: number };
  /** Sum over priced calls; null when no answering model has a price. */
  costUsd: number | null;
  /** costUsd / answered. */
  costPerCaseUsd: number | null;
  unpricedCalls: number;
}

export interface PromptEvalResult {
  /** skipped: no configuration could run (no provider configured), with the reason. */
  outcome: 'ok' | 'skipped';
  reason?: string;
  configurations: ConfigurationReport[];
  judge?: {
    route?: string[];
    calls: number;
    skipped?: string;
    tokens: number;
    costUsd: number | null;
  };
  /** Index of the best configuration: highest mean score, then lower cost per case, then lower p50. */
  best?: number;
  cases: CaseResult[];
}
