// ESLint, when the repository configures it (flat or legacy config) and has it installed in its
// node_modules. Its fixes and suggestions become suggested changes.
import fs from 'node:fs';
import path from 'node:path';
import { runCommand } from '../../process';
import { suggestionFrom } from './suggest';
import type { LinterOutcome, LintTarget } from './types';

const CONFIGS = [
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

interface EslintFix {
  range: [number, number];
  text: string;
}
interface EslintMessage {
  ruleId: string | null;
  severity: number;
  message: string;
  line?: number;
  endLine?: number;
  fix?: EslintFix;
  suggestions?: { desc?: string; fix?: EslintFix }[];
}
interface EslintFileResult {
  filePath: string;
  source?: string;
  messages: EslintMessage[];
}

export const eslint = {
  name: 'eslint',
  language: 'JavaScript/TypeScript',
  matches: (file: string) => /\.(c|m)?(j|t)sx?$/.test(file),

  async run(repo: string, targets: LintTarget[]): Promise<LinterOutcome> {
    const config = CONFIGS.find((c) => fs.existsSync(path.join(repo, c)));
    if (!config) return { skipped: 'no ESLint config in the repository' };
    const bin = path.join(repo, 'node_modules', '.bin', 'eslint');
    if (!fs.existsSync(bin)) {
      return {
        skipped: `${config} found but ESLint is not installed in the repository (node_modules/.bin/eslint); run npm install there`,
      };
    }
    const res = await runCommand({
      command: bin,
      args: ['--format', 'json', '--no-error-on-unmatched-pattern', ...targets.map((t) => t.path)],
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
        skipped: `ESLint did not produce a report (exit ${res.exitCode ?? res.signal}${res.timedOut ? ', timed out' : ''}): ${why || 'no output'}`,
      };
    }
    const findings = [];
    for (const r of parsed) {
      const rel = path.relative(repo, r.filePath).split(path.sep).join('/');
      // The text ESLint linted: its fixes' offsets are into it.
      const source = r.source ?? fs.readFileSync(r.filePath, 'utf8');
      for (const m of r.messages) {
        if (m.line === undefined) continue;
        const fix = m.fix ?? m.suggestions?.find((s) => s.fix)?.fix;
        const desc = m.fix ? 'ESLint fix' : m.suggestions?.find((s) => s.fix)?.desc;
        const suggestion = fix
          ? suggestionFrom(source, [{ start: fix.range[0], end: fix.range[1], text: fix.text }], desc)
          : undefined;
        findings.push({
          rule: `eslint/${m.ruleId ?? 'parse-error'}`,
          severity: m.severity === 2 ? ('medium' as const) : ('low' as const),
          message: m.message,
          path: rel,
          line: m.line,
          ...(m.endLine && m.endLine !== m.line ? { endLine: m.endLine } : {}),
          source: 'linter',
          ...(suggestion ? { suggestion } : {}),
        });
      }
    }
    return { findings };
  },
};
