// ruff for Python, when it is installed: in the repository's virtual environment (.venv, venv) or on
// PATH. It reads the repository's own settings (pyproject.toml, ruff.toml) or its defaults; its
// fixes (safe and unsafe: a person decides) become suggested changes.
import fs from 'node:fs';
import path from 'node:path';
import type { Finding } from '../../../../workflows/contract/findings';
import { runCommand } from '../../process';
import { lineStarts, offsetAt, suggestionFrom } from './suggest';
import type { LinterOutcome, LintTarget } from './types';

interface Location {
  row: number;
  column: number;
}
interface RuffDiagnostic {
  code: string | null;
  message: string;
  filename: string;
  location: Location;
  end_location?: Location;
  fix?: {
    applicability?: string;
    message?: string | null;
    edits: { content: string; location: Location; end_location: Location }[];
  } | null;
}

/** The ruff the repository would use: its virtual environment's, else the one on PATH. */
async function findRuff(repo: string): Promise<string | undefined> {
  for (const venv of ['.venv', 'venv']) {
    const bin = path.join(repo, venv, 'bin', 'ruff');
    if (fs.existsSync(bin)) return bin;
  }
  const found = await runCommand({ command: 'sh', args: ['-c', 'command -v ruff'], cwd: repo, timeoutMs: 10_000 });
  return found.exitCode === 0 && found.stdout.trim() ? found.stdout.trim() : undefined;
}

export const ruff = {
  name: 'ruff',
  language: 'Python',
  matches: (file: string) => /\.pyi?$/.test(file),

  async run(repo: string, targets: LintTarget[]): Promise<LinterOutcome> {
    const bin = await findRuff(repo);
    if (!bin) return { skipped: 'ruff is not installed (looked in .venv/bin, venv/bin and on PATH); pip install ruff' };
    const res = await runCommand({
      command: bin,
      args: [
        'check',
        '--output-format',
        'json',
        '--no-fix',
        '--exit-zero',
        '--force-exclude',
        '--',
        ...targets.map((t) => t.path),
      ],
      cwd: repo,
      timeoutMs: 120_000,
      maxOutputBytes: 8 * 1024 * 1024,
    });
    let parsed: RuffDiagnostic[];
    try {
      parsed = JSON.parse(res.stdout) as RuffDiagnostic[];
    } catch {
      const why = (res.stderr || res.stdout).trim().split('\n').slice(0, 3).join(' ').slice(0, 300);
      return { skipped: `ruff did not produce a report (exit ${res.exitCode ?? res.signal}): ${why || 'no output'}` };
    }
    const sources = new Map<string, string>();
    const findings: Finding[] = [];
    for (const d of parsed) {
      const file = path.resolve(repo, d.filename);
      const rel = path.relative(repo, file).split(path.sep).join('/');
      let suggestion;
      if (d.fix && d.fix.edits.length > 0 && d.fix.applicability !== 'display-only') {
        const source = sources.get(file) ?? fs.readFileSync(file, 'utf8');
        sources.set(file, source);
        const starts = lineStarts(source);
        const edits = d.fix.edits.map((e) => ({
          start: offsetAt(source, starts, e.location.row, e.location.column),
          end: offsetAt(source, starts, e.end_location.row, e.end_location.column),
          text: e.content,
        }));
        const desc = d.fix.message ?? undefined;
        suggestion = suggestionFrom(
          source,
          edits,
          d.fix.applicability === 'unsafe' && desc ? `${desc} (unsafe fix)` : desc,
        );
      }
      const endLine = d.end_location?.row;
      findings.push({
        rule: `ruff/${d.code ?? 'syntax-error'}`,
        // Pyflakes (F) and syntax errors (E9, no code) are likely bugs; style is low.
        severity: !d.code || /^(F|E9)/.test(d.code) ? 'medium' : 'low',
        message: d.message,
        path: rel,
        line: d.location.row,
        ...(endLine && endLine !== d.location.row ? { endLine } : {}),
        source: 'linter',
        ...(suggestion ? { suggestion } : {}),
      });
    }
    return { findings };
  },
};
