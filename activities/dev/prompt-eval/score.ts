// Scoring evaluation answers: exact, contains, regex (run under a time limit: patterns are user
// input) and LLM-as-judge verdicts parsed defensively. Pure functions, unit tested.
import vm from 'node:vm';
import { compileExpected, type EvalCase } from '../../../workflows/contract/inputs/prompt-eval';

export interface Score {
  /** Null when the case could not be scored (its judge did not run). */
  pass: boolean | null;
  /** 0..1; null with pass. */
  score: number | null;
  reason: string;
}

/** How long one regex may run against one answer. */
export const REGEX_TIME_LIMIT_MS = 500;

const clip = (s: string, n = 120) => (s.length > n ? `${s.slice(0, n)}…` : s);

/**
 * - exact: the answer equals `expected` after trimming surrounding whitespace (case-sensitive);
 * - contains: the answer contains `expected`, ignoring case;
 * - regex: `expected` (`/pattern/flags` or a bare pattern) matches somewhere in the answer.
 * A pass scores 1, a fail 0.
 */
export function scoreAnswer(c: Pick<EvalCase, 'scorer' | 'expected'>, answer: string): Score {
  const expected = c.expected ?? '';
  const verdict = (pass: boolean, reason: string): Score => ({ pass, score: pass ? 1 : 0, reason });
  switch (c.scorer) {
    case 'exact': {
      const pass = answer.trim() === expected.trim();
      return verdict(pass, pass ? 'exact match' : `expected exactly "${clip(expected.trim())}"`);
    }
    case 'contains': {
      const pass = answer.toLowerCase().includes(expected.toLowerCase());
      return verdict(pass, pass ? `contains "${clip(expected)}"` : `does not contain "${clip(expected)}"`);
    }
    case 'regex': {
      let re: RegExp;
      try {
        re = compileExpected(expected);
      } catch (err) {
        return verdict(false, `invalid regular expression: ${(err as Error).message}`);
      }
      try {
        const pass = vm.runInNewContext('re.test(answer)', { re, answer }, { timeout: REGEX_TIME_LIMIT_MS }) as boolean;
        return verdict(pass, pass ? `matches ${clip(expected)}` : `does not match ${clip(expected)}`);
      } catch {
        return verdict(
          false,
          `regex ${clip(expected)} ran longer than ${REGEX_TIME_LIMIT_MS} ms; simplify the pattern`,
        );
      }
    }
    case 'judge':
      return { pass: null, score: null, reason: 'needs the judge' };
  }
}

/**
 * Reads a judge's reply: the first JSON object in it (code fences and prose around it are
 * ignored). `pass` may be a boolean or "pass"/"fail"/"yes"/"no"/"true"/"false"; `score` a number
 * or numeric string, clamped to 0..1 (a 1-10 or 0-100 scale is rescaled). A missing score follows
 * pass (1/0); a missing pass follows score ≥ 0.5. Anything else is unscored, with the reason.
 */
export function parseVerdict(text: string): Score {
  const obj = firstJsonObject(text);
  if (!obj) return { pass: null, score: null, reason: `judge reply is not a JSON verdict: "${clip(text.trim())}"` };
  const pass = toBool(obj.pass ?? obj.passed ?? obj.verdict);
  let score = toNumber(obj.score);
  if (score !== undefined) {
    if (score > 1 && score <= 10) score /= 10;
    else if (score > 10 && score <= 100) score /= 100;
    score = Math.min(1, Math.max(0, score));
  }
  if (pass === undefined && score === undefined) {
    return {
      pass: null,
      score: null,
      reason: `judge verdict has neither pass nor score: ${clip(JSON.stringify(obj))}`,
    };
  }
  const finalPass = pass ?? (score as number) >= 0.5;
  const finalScore = score ?? (finalPass ? 1 : 0);
  const reason = typeof obj.reason === 'string' && obj.reason.trim() ? obj.reason.trim() : 'judge gave no reason';
  return { pass: finalPass, score: Math.round(finalScore * 1000) / 1000, reason: clip(reason, 500) };
}

function firstJsonObject(text: string): Record<string, unknown> | undefined {
  for (let start = text.indexOf('{'); start >= 0; start = text.indexOf('{', start + 1)) {
    let depth = 0;
    let inString = false;
    for (let i = start; i < text.length; i++) {
      const ch = text[i];
      if (inString) {
        if (ch === '\\') i++;
        else if (ch === '"') inString = false;
      } else if (ch === '"') inString = true;
      else if (ch === '{') depth++;
      else if (ch === '}' && --depth === 0) {
        try {
          const v: unknown = JSON.parse(text.slice(start, i + 1));
          if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
        } catch {
          // not JSON: try the next brace
        }
        break;
      }
    }
  }
  return undefined;
}

function toBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (['true', 'pass', 'passed', 'yes'].includes(s)) return true;
    if (['false', 'fail', 'failed', 'no'].includes(s)) return false;
  }
  return undefined;
}

function toNumber(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}
