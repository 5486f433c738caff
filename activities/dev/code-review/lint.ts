// The repository's own linter, when it has one configured and installed: ESLint (flat or legacy
// config, from the repository's node_modules). Only messages on lines the change added count.
import fs from 'node:fs';
import path from 'node:path';
import type { Finding } from '../../../workflows/contract/findings';
import { runCommand } from '../process';
import { addedLines, type DiffFile } from './diff';
import type { LintResult } from './types';

const ESLINT_CONFIGS = [
  'eslint.config.js',
  'eslint.config.mjs',
  'eslint.config.cjs',
  'eslint.config.ts',
  '.eslintrc',
  '.eslintrc.js',
  '.eslintrc.cjs',
  '.eslintrc.json',
  '.eslintrc.yml',
  '.eslintrc.yaml',
];
const LINTABLE = /\.(c|m)?(j|t)sx?$/;
const MAX_FILES = 200;

interface EslintFileResult {
  filePath: string;
  messages: { ruleId: string | null; severity: number; message: string; line?: number; endLine?: number }[];
}

/**
 * Runs ESLint on the changed files when the repository configures it and `head` is what is checked
 * out (a linter reads the working tree). Otherwise a skip with the reason.
 */
export async function lintLocal(
  repo: string,
  /** Why the working tree is not the reviewed head (head not checked out, changed files edited), if it is not. */
  treeDiffers: string | undefined,
  files: DiffFile[],
): Promise<LintResult> {
  const config = ESLINT_CONFIGS.find((c) => fs.existsSync(path.join(repo, c)));
  if (!config)
    return { outcome: 'skipped', reason: 'no linter configured in the repository (looked for an ESLint config)' };
  const bin = path.join(repo, 'node_modules', '.bin', 'eslint');
  if (!fs.existsSync(bin)) {
    return {
      outcome: 'skipped',
      reason: `${config} found but ESLint is not installed in the repository (node_modules/.bin/eslint); run npm install there`,
    };
  }
  if (treeDiffers) return { outcome: 'skipped', reason: `the linter reads the working tree, and ${treeDiffers}` };
  const targets = files
    .filter(
      (f) => f.status !== 'removed' && !f.binary && LINTABLE.test(f.path) && fs.existsSync(path.join(repo, f.path)),
    )
    .slice(0, MAX_FILES);
  if (targets.length === 0) return { outcome: 'ok', linter: 'eslint', findings: [], filesLinted: 0 };
  const res = await runCommand({
    command: bin,
    args: ['--format', 'json', '--no-error-on-unmatched-pattern', ...targets.map((f) => f.path)],
    cwd: repo,
    timeoutMs: 120_000,
    maxOutputBytes: 8 * 1024 * 1024,
  });
  let parsed: EslintFileResult[];
  try {
    parsed = JSON.parse(res.stdout) as EslintFileResult[];
  } catch {
    const why = (res.stderr || res.stdout).trim().split('\n').slice(0, 3).join(' ').slice(0, 300);
    return {
      outcome: 'skipped',
      reason: `ESLint did not produce a report (exit ${res.exitCode ?? res.signal}${res.timedOut ? ', timed out' : ''}): ${why || 'no output'}`,
    };
  }
  const added = new Map(targets.map((f) => [path.join(repo, f.path), new Set(addedLines(f).map((l) => l.line))]));
  const findings: Finding[] = [];
  for (const r of parsed) {
    const lines = added.get(r.filePath);
    if (!lines) continue;
    const rel = path.relative(repo, r.filePath).split(path.sep).join('/');
    for (const m of r.messages) {
      if (m.line === undefined || !lines.has(m.line)) continue;
      findings.push({
        rule: `eslint/${m.ruleId ?? 'parse-error'}`,
        severity: m.severity === 2 ? 'medium' : 'low',
        message: m.message,
        path: rel,
        line: m.line,
        ...(m.endLine && m.endLine !== m.line ? { endLine: m.endLine } : {}),
        source: 'linter',
      });
    }
  }
  return { outcome: 'ok', linter: 'eslint', findings: findings.slice(0, 300), filesLinted: targets.length };
}
