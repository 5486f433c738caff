// The linters of the languages a change touches, each when the repository has it: ESLint for
// JavaScript/TypeScript, ruff for Python, go vet for Go. They read the working tree, so they run only
// when it holds the reviewed head; only their findings on lines the change added count.
import fs from 'node:fs';
import path from 'node:path';
import type { Finding } from '../../../../workflows/contract/findings';
import { addedLines, type DiffFile } from '../diff';
import type { LinterRun, LintResult } from '../types';
import { eslint } from './eslint';
import { goVet } from './govet';
import { ruff } from './ruff';
import type { Linter } from './types';

export const LINTERS: readonly Linter[] = [eslint, ruff, goVet];
const MAX_FILES = 200;
const MAX_FINDINGS = 300;

/**
 * Runs each linter whose language the changed files are in, in `repo`'s working tree. `treeDiffers`
 * says why the working tree is not the reviewed head, if it is not: then none runs.
 */
export async function lintLocal(repo: string, treeDiffers: string | undefined, files: DiffFile[]): Promise<LintResult> {
  const changed = files.filter(
    (f) => f.status !== 'removed' && !f.binary && !f.skipped && fs.existsSync(path.join(repo, f.path)),
  );
  const relevant = LINTERS.map((l) => ({
    linter: l,
    targets: changed.filter((f) => l.matches(f.path)).slice(0, MAX_FILES),
  })).filter((x) => x.targets.length > 0);
  if (relevant.length === 0) {
    return {
      outcome: 'skipped',
      reason: `no changed file is in a language with a linter here (${LINTERS.map((l) => `${l.language}: ${l.name}`).join(', ')})`,
    };
  }
  if (treeDiffers) return { outcome: 'skipped', reason: `the linters read the working tree, and ${treeDiffers}` };

  const added = new Map(changed.map((f) => [f.path, new Set(addedLines(f).map((l) => l.line))]));
  const runs: LinterRun[] = [];
  const findings: Finding[] = [];
  for (const { linter, targets } of relevant) {
    const out = await linter.run(
      repo,
      targets.map((t) => ({ path: t.path })),
    );
    if ('skipped' in out) {
      runs.push({ linter: linter.name, outcome: 'skipped', findings: 0, files: targets.length, reason: out.skipped });
      continue;
    }
    const onChanged = out.findings.filter((f) => f.path && f.line !== undefined && added.get(f.path)?.has(f.line));
    runs.push({ linter: linter.name, outcome: 'ok', findings: onChanged.length, files: targets.length });
    findings.push(...onChanged);
  }
  const ran = runs.filter((r) => r.outcome === 'ok');
  if (ran.length === 0) {
    return { outcome: 'skipped', reason: runs.map((r) => `${r.linter}: ${r.reason}`).join('; '), runs };
  }
  return {
    outcome: 'ok',
    linter: ran.map((r) => r.linter).join(', '),
    findings: findings.slice(0, MAX_FINDINGS),
    filesLinted: ran.reduce((n, r) => n + r.files, 0),
    runs,
  };
}
