// The repository's own linters, as the security audit runs them: ESLint (the repository's own
// installation and configuration; its JSON report read here, ESLint has no SARIF output of its
// own) and ruff (`--output-format sarif`) where the repository configures them. Both run the
// repository's configuration, and ESLint's is code: never for a repository fetched from elsewhere.
import fs from 'node:fs';
import path from 'node:path';
import type { AnalysisResult, RuleInfo } from '../../../workflows/contract/analysis';
import { runCommand } from '../process';
import { lineFingerprint, type ToolOutcome, type ToolSarif } from './analysers';
import { readText } from './files';

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

interface EslintFileReport {
  filePath: string;
  messages: {
    ruleId: string | null;
    severity: 1 | 2;
    message: string;
    line?: number;
    column?: number;
    endLine?: number;
    fatal?: boolean;
  }[];
}

const lineText = (repo: string, file: string, line: number) =>
  readText(path.join(repo, file))?.split('\n')[line - 1] ?? '';

export async function runEslint(repo: string, files: Set<string>, timeoutMs: number): Promise<ToolOutcome | undefined> {
  const config = ESLINT_CONFIGS.find((c) => fs.existsSync(path.join(repo, c)));
  const exe = path.join(repo, 'node_modules', '.bin', 'eslint');
  if (!config) return undefined;
  const info = { name: 'ESLint', informationUri: 'https://eslint.org' };
  if (!fs.existsSync(exe)) {
    const reason = `ESLint not run: ${config} is there but node_modules/.bin/eslint is not (run npm install in the repository)`;
    return { run: { key: 'eslint', info, rules: [], status: 'skipped', reason }, results: [], notes: [reason] };
  }
  const version = (await runCommand({ command: exe, args: ['--version'], cwd: repo, timeoutMs: 30_000 })).stdout.trim();
  const res = await runCommand({
    command: exe,
    args: ['--format', 'json', '--no-error-on-unmatched-pattern', '.'],
    cwd: repo,
    timeoutMs,
    maxOutputBytes: 64 * 1024 * 1024,
  });
  let reports: EslintFileReport[];
  try {
    reports = JSON.parse(res.stdout) as EslintFileReport[];
  } catch {
    const reason = `ESLint failed (exit ${res.exitCode ?? res.signal}): ${res.stderr.trim().split('\n').slice(-2).join(' ').slice(0, 300)}`;
    return { run: { key: 'eslint', info, rules: [], status: 'failed', reason }, results: [], notes: [reason] };
  }
  const results: AnalysisResult[] = [];
  const fired = new Map<string, RuleInfo>();
  for (const f of reports) {
    const file = path.relative(repo, f.filePath).split(path.sep).join('/');
    if (!files.has(file)) continue;
    for (const m of f.messages) {
      const rule = m.ruleId ?? 'parse-error';
      fired.set(rule, {
        id: rule,
        description: m.ruleId ? `ESLint rule ${m.ruleId}` : 'A file ESLint could not parse',
        ...(m.ruleId && !m.ruleId.includes('/') ? { helpUri: `https://eslint.org/docs/latest/rules/${m.ruleId}` } : {}),
      });
      const line = m.line ?? 1;
      results.push({
        rule: `eslint/${rule}`,
        tool: 'eslint',
        severity: m.severity === 2 ? 'low' : 'info',
        message: m.message,
        path: file,
        line,
        ...(m.endLine ? { endLine: m.endLine } : {}),
        ...(m.column ? { column: m.column } : {}),
        source: 'eslint',
        fingerprint: lineFingerprint(`eslint/${rule}`, file, lineText(repo, file, line)),
      });
    }
  }
  return {
    run: {
      key: 'eslint',
      info: { ...info, version: version.replace(/^v/, '') },
      rules: [...fired.values()],
      status: 'ran',
    },
    results,
    notes: [],
  };
}

function ruffConfigured(repo: string): boolean {
  if (fs.existsSync(path.join(repo, 'ruff.toml')) || fs.existsSync(path.join(repo, '.ruff.toml'))) return true;
  const pyproject = path.join(repo, 'pyproject.toml');
  return fs.existsSync(pyproject) && /^\[tool\.ruff[\].]/m.test(fs.readFileSync(pyproject, 'utf8'));
}

export async function runRuff(repo: string, files: Set<string>, timeoutMs: number): Promise<ToolOutcome | undefined> {
  if (!ruffConfigured(repo)) return undefined;
  const info = { name: 'Ruff', informationUri: 'https://docs.astral.sh/ruff/' };
  const local = ['.venv/bin/ruff', 'venv/bin/ruff'].map((p) => path.join(repo, p)).find((p) => fs.existsSync(p));
  const res = await runCommand({
    command: local ?? 'ruff',
    args: ['check', '--output-format', 'sarif', '--exit-zero', '--no-cache', '.'],
    cwd: repo,
    timeoutMs,
    maxOutputBytes: 64 * 1024 * 1024,
  }).catch((err: Error) => ({ exitCode: null, stdout: '', stderr: err.message, signal: null }));
  let sarif: ToolSarif;
  try {
    sarif = JSON.parse(res.stdout) as ToolSarif;
  } catch {
    const reason = `Ruff not run: ${res.stderr.trim().split('\n').pop()?.slice(0, 300) || `exit ${res.exitCode}`}`;
    return { run: { key: 'ruff', info, rules: [], status: 'skipped', reason }, results: [], notes: [reason] };
  }
  const run = sarif.runs[0];
  const rules = new Map((run?.tool.driver.rules ?? []).map((r) => [r.id, r]));
  const results: AnalysisResult[] = [];
  const fired = new Map<string, RuleInfo>();
  for (const r of run?.results ?? []) {
    const loc = r.locations?.[0]?.physicalLocation;
    const uri = decodeURIComponent(loc?.artifactLocation?.uri ?? '').replace(/^file:\/\//, '');
    const file = (path.isAbsolute(uri) ? path.relative(repo, uri) : uri).split(path.sep).join('/');
    if (!files.has(file) || !r.ruleId) continue;
    const rule = rules.get(r.ruleId);
    fired.set(r.ruleId, {
      id: r.ruleId,
      description: rule?.shortDescription?.text ?? r.ruleId,
      ...(rule?.helpUri ? { helpUri: rule.helpUri } : {}),
    });
    const line = loc?.region?.startLine ?? 1;
    results.push({
      rule: `ruff/${r.ruleId}`,
      tool: 'ruff',
      severity: r.level === 'error' ? 'low' : 'info',
      message: r.message?.text ?? r.ruleId,
      path: file,
      line,
      source: 'ruff',
      fingerprint: lineFingerprint(`ruff/${r.ruleId}`, file, lineText(repo, file, line)),
    });
  }
  return {
    run: {
      key: 'ruff',
      info: { ...info, version: run?.tool.driver.version },
      rules: [...fired.values()],
      status: 'ran',
    },
    results,
    notes: [],
  };
}
