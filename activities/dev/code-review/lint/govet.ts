// go vet for Go, when go is installed: the packages of the changed files, in each Go module they are
// in. Its suggested fixes (byte offsets) become suggested changes.
import fs from 'node:fs';
import path from 'node:path';
import type { Finding } from '../../../../workflows/contract/findings';
import { runCommand } from '../../process';
import { offsetOfByte, suggestionFrom } from './suggest';
import type { LinterOutcome, LintTarget } from './types';

interface VetDiagnostic {
  posn: string;
  message: string;
  suggested_fixes?: { message?: string; edits: { filename: string; start: number; end: number; new: string }[] }[];
}
/** `go vet -json`: one object a package, {package: {analyzer: diagnostics}}. */
type VetReport = Record<string, Record<string, VetDiagnostic[] | { error: string }>>;

/** The directory of the nearest go.mod above `file`, inside `repo`. */
function moduleRoot(repo: string, file: string): string | undefined {
  for (let dir = path.dirname(path.join(repo, file)); dir.startsWith(repo); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'go.mod'))) return dir;
    if (dir === repo) break;
  }
  return undefined;
}

/** The JSON objects of go vet's output (it prints one a package, and "# pkg" lines between). */
function reports(text: string): VetReport[] {
  return text
    .split(/^(?=\{)/m)
    .map((block) => block.slice(0, block.lastIndexOf('}') + 1))
    .filter((block) => block.startsWith('{'))
    .flatMap((block) => {
      try {
        return [JSON.parse(block) as VetReport];
      } catch {
        return [];
      }
    });
}

export const goVet = {
  name: 'go vet',
  language: 'Go',
  matches: (file: string) => file.endsWith('.go'),

  async run(repo: string, targets: LintTarget[]): Promise<LinterOutcome> {
    const modules = new Map<string, Set<string>>();
    for (const t of targets) {
      const root = moduleRoot(repo, t.path);
      if (!root) continue;
      const pkg = `./${path
        .relative(root, path.dirname(path.join(repo, t.path)))
        .split(path.sep)
        .join('/')}`;
      modules.set(root, (modules.get(root) ?? new Set()).add(pkg === './' ? '.' : pkg));
    }
    if (modules.size === 0) return { skipped: 'the changed Go files are in no Go module (no go.mod above them)' };
    const findings: Finding[] = [];
    const sources = new Map<string, string>();
    for (const [root, pkgs] of modules) {
      let res;
      try {
        res = await runCommand({
          command: 'go',
          args: ['vet', '-json', ...pkgs],
          cwd: root,
          timeoutMs: 300_000,
          maxOutputBytes: 8 * 1024 * 1024,
        });
      } catch (err) {
        if (/not installed/.test((err as Error).message)) return { skipped: 'go is not installed (not on PATH)' };
        throw err;
      }
      const found = reports(`${res.stdout}\n${res.stderr}`);
      if (found.length === 0 && res.exitCode !== 0) {
        const why = res.stderr.trim().split('\n').slice(0, 3).join(' ').slice(0, 300);
        return {
          skipped: `go vet did not produce a report (exit ${res.exitCode ?? res.signal}): ${why || 'no output'}`,
        };
      }
      for (const report of found)
        for (const analyzers of Object.values(report))
          for (const [analyzer, diags] of Object.entries(analyzers)) {
            if (!Array.isArray(diags)) continue;
            for (const d of diags) {
              const m = /^(.*):(\d+):(\d+)$/.exec(d.posn);
              if (!m) continue;
              const file = path.resolve(root, m[1]);
              const rel = path.relative(repo, file).split(path.sep).join('/');
              let suggestion;
              const fix = d.suggested_fixes?.find((f) => f.edits.every((e) => path.resolve(root, e.filename) === file));
              if (fix) {
                const source = sources.get(file) ?? fs.readFileSync(file, 'utf8');
                sources.set(file, source);
                const edits = fix.edits.map((e) => ({
                  start: offsetOfByte(source, e.start),
                  end: offsetOfByte(source, e.end),
                  text: e.new,
                }));
                suggestion = suggestionFrom(source, edits, fix.message);
              }
              findings.push({
                rule: `govet/${analyzer}`,
                severity: 'medium',
                message: d.message,
                path: rel,
                line: Number(m[2]),
                source: 'linter',
                ...(suggestion ? { suggestion } : {}),
              });
            }
          }
    }
    return { findings };
  },
};
