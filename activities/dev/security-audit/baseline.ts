// The repository's security baseline (.claude-flow/security-baseline.json): findings the team has
// accepted, each with a reason and who accepted it, and extra paths to treat as tests or examples.
// Findings in tests, fixtures and examples are classified as such by default (never critical).
// Pure apart from reading the file; errors name the entry and say what to fix.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { AnalysisResult, Classification } from '../../../workflows/contract/analysis';
import { severityRank, type Severity } from '../../../workflows/contract/findings';
import { globToRegExp } from '../checks/secrets';

export const BASELINE_FILE = '.claude-flow/security-baseline.json';

const glob = z.string().min(1, 'a glob must not be empty');

const acceptedEntry = z
  .object({
    rule: z.string().min(1).optional().describe('The finding\'s rule, e.g. "gitleaks/github-pat" (exact)'),
    path: glob.optional().describe('A glob of repository paths, e.g. "test/fixtures/**"'),
    fingerprint: z
      .string()
      .regex(/^[0-9a-f]{8,64}$/i, 'fingerprint must be 8 to 64 hex digits, as the finding shows it')
      .optional()
      .describe("The finding's fingerprint (or its first 8+ hex digits)"),
    reason: z
      .string({ error: 'reason is required: why this finding is accepted' })
      .trim()
      .min(3, 'reason must say why'),
    acceptedBy: z
      .string({ error: 'acceptedBy is required: who accepted the finding' })
      .trim()
      .min(1, 'acceptedBy must name who accepted it'),
    acceptedOn: z.string().optional(),
  })
  .strict()
  .refine((e) => e.rule || e.path || e.fingerprint, 'an entry needs at least one of rule, path or fingerprint');

export const baselineSchema = z
  .object({
    $schema: z.string().optional(),
    $comment: z.string().optional(),
    /** Paths classified as tests or examples on top of the defaults. */
    paths: z
      .object({ test: z.array(glob).default([]), example: z.array(glob).default([]) })
      .strict()
      .optional(),
    accepted: z.array(acceptedEntry).default([]),
  })
  .strict();

export type BaselineEntry = z.output<typeof acceptedEntry>;

export interface Baseline {
  file: string | undefined;
  accepted: (BaselineEntry & { re?: RegExp })[];
  test: RegExp[];
  example: RegExp[];
}

/** Tests, fixtures and test data across ecosystems (JS/TS, Python, Go, Ruby, Java). */
export const DEFAULT_TEST_PATHS = [
  '**/test/**',
  '**/tests/**',
  '**/__tests__/**',
  '**/__mocks__/**',
  '**/spec/**',
  '**/fixtures/**',
  '**/__fixtures__/**',
  '**/testdata/**',
  '**/e2e/**',
  '**/*.test.*',
  '**/*.spec.*',
  '**/*_test.go',
  '**/test_*.py',
  '**/*_test.py',
  '**/conftest.py',
  '**/src/test/**',
];

export const DEFAULT_EXAMPLE_PATHS = [
  '**/examples/**',
  '**/example/**',
  '**/samples/**',
  '**/sample/**',
  '**/demo/**',
  '**/docs/**',
  '**/*.example',
  '**/*.example.*',
  '**/*.sample',
  '**/.env.example',
];

/** The most severe a classified finding can be. */
export const CLASSIFIED_MAX: Severity = 'low';

const compile = (globs: string[]) => globs.map((g) => globToRegExp(g.replace(/^\.\//, '')));

export class BaselineError extends Error {
  override name = 'BaselineError';
}

/** The baseline of `repo`: its file when there is one (invalid: BaselineError naming the problem), else the defaults. */
export function loadBaseline(repo: string, file = BASELINE_FILE): Baseline {
  const full = path.join(repo, file);
  let parsed: z.output<typeof baselineSchema> = { accepted: [] };
  let found: string | undefined;
  if (fs.existsSync(full)) {
    found = file;
    let json: unknown;
    try {
      json = JSON.parse(fs.readFileSync(full, 'utf8'));
    } catch (err) {
      throw new BaselineError(`${file} is not valid JSON (${(err as Error).message}); fix it or remove it`);
    }
    const r = baselineSchema.safeParse(json);
    if (!r.success) {
      const problems = r.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`);
      throw new BaselineError(`${file} is not a valid security baseline: ${problems.join('; ')}`);
    }
    parsed = r.data;
  }
  return {
    file: found,
    accepted: parsed.accepted.map((e) => ({
      ...e,
      ...(e.path ? { re: globToRegExp(e.path.replace(/^\.\//, '')) } : {}),
    })),
    test: compile([...DEFAULT_TEST_PATHS, ...(parsed.paths?.test ?? [])]),
    example: compile([...DEFAULT_EXAMPLE_PATHS, ...(parsed.paths?.example ?? [])]),
  };
}

/** `**\/x/**` must also match `x/...` at the top: globToRegExp's `**\/` is already optional. */
export function classify(baseline: Baseline, file: string | undefined): Classification | undefined {
  if (!file) return undefined;
  if (baseline.test.some((re) => re.test(file))) return 'test';
  if (baseline.example.some((re) => re.test(file))) return 'example';
  return undefined;
}

function matches(e: Baseline['accepted'][number], r: AnalysisResult): boolean {
  if (e.rule && e.rule !== r.rule) return false;
  if (e.re && !e.re.test(r.path ?? '')) return false;
  if (e.fingerprint && !r.fingerprint.startsWith(e.fingerprint.toLowerCase())) return false;
  return true;
}

/**
 * Classifies each result by its path (lowering tests and examples to at most `low`) and marks the
 * accepted ones. Returns the indexes of baseline entries that matched nothing, for a note.
 */
export function applyBaseline(baseline: Baseline, results: AnalysisResult[]): { unused: number[] } {
  const used = new Set<number>();
  for (const r of results) {
    const c = classify(baseline, r.path);
    if (c) {
      r.classification = c;
      if (severityRank(r.severity) < severityRank(CLASSIFIED_MAX)) {
        r.originalSeverity = r.severity;
        r.severity = CLASSIFIED_MAX;
      }
    }
    const i = baseline.accepted.findIndex((e) => matches(e, r));
    if (i >= 0) {
      used.add(i);
      r.suppression = { reason: baseline.accepted[i].reason, acceptedBy: baseline.accepted[i].acceptedBy };
    }
  }
  return { unused: baseline.accepted.map((_, i) => i).filter((i) => !used.has(i)) };
}
