// The security audit's analysers: gitleaks for secrets, Semgrep (our rule files in ./semgrep, plus
// the repository's own .semgrep.yml or .semgrep/) for risky code. Each writes SARIF into a private
// temporary folder; its results become AnalysisResults here (secrets masked, fingerprinted by their
// hash). Both read only the files the audit lists (git's tracked and untracked-but-not-ignored files,
// at most maxFiles): Semgrep gets them as targets, gitleaks as a tree of symlinks.
//
// Our own checks run only where no tool covers them: `secret/password-in-url` (gitleaks has no rule
// for credentials in URLs). When gitleaks or Semgrep cannot be found or installed, the audit says so
// and runs our full secret patterns or risky-code patterns in its place.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AnalysisResult, RuleInfo, ToolInfo, ToolRun } from '../../../workflows/contract/analysis';
import type { Severity } from '../../../workflows/contract/findings';
import type { Config } from '../../../lib/config';
import { findBinaryAsync, GITLEAKS, pinnedVersion, SEMGREP, type BinarySpec } from '../../../stack/binaries';
import { runCommand } from '../process';
import { scanRisky } from '../checks/risky';
import { emptyAllowlist, fingerprint, mask, scanSecrets, SECRET_RULES, type Allowlist } from '../checks/secrets';
import { MAX_FILE_BYTES, readText } from './files';

export const SEMGREP_RULES_DIR = path.join(__dirname, 'semgrep');

/** SARIF 2.1.0 as the tools write it: only what the audit reads. */
export interface ToolSarif {
  runs: {
    tool: {
      driver: {
        name: string;
        version?: string;
        semanticVersion?: string;
        informationUri?: string;
        rules?: SarifRuleIn[];
      };
    };
    results?: SarifResultIn[];
    invocations?: {
      executionSuccessful?: boolean;
      toolExecutionNotifications?: { level?: string; message?: { text?: string } }[];
    }[];
  }[];
}
interface SarifRuleIn {
  id: string;
  defaultConfiguration?: { level?: string };
  shortDescription?: { text?: string };
  fullDescription?: { text?: string };
  helpUri?: string;
  properties?: { tags?: string[] };
}
interface SarifResultIn {
  ruleId?: string;
  level?: string;
  message?: { text?: string };
  locations?: {
    physicalLocation?: {
      artifactLocation?: { uri?: string };
      region?: {
        startLine?: number;
        startColumn?: number;
        endLine?: number;
        endColumn?: number;
        snippet?: { text?: string };
      };
    };
  }[];
}

/** Where each analyser comes from, for `resolveTool`. */
const SPECS: Record<
  'gitleaks' | 'semgrep',
  { spec: BinarySpec; setting: 'gitleaksPath' | 'semgrepPath'; env: string }
> = {
  gitleaks: { spec: GITLEAKS, setting: 'gitleaksPath', env: 'GITLEAKS_PATH' },
  semgrep: { spec: SEMGREP, setting: 'semgrepPath', env: 'SEMGREP_PATH' },
};

/** The tool's executable, installing it into .tools/ on first use; or why there is none. */
export async function resolveTool(
  name: 'gitleaks' | 'semgrep',
  config: Config,
  log: (line: string) => void = () => undefined,
): Promise<{ path: string } | { unavailable: string }> {
  const s = SPECS[name];
  try {
    const found = await findBinaryAsync(s.spec, {
      configured: config.analysers[s.setting],
      configuredName: s.env,
      root: config.projectRoot,
      log,
    });
    return { path: found };
  } catch (err) {
    return { unavailable: (err as Error).message };
  }
}

export const lineFingerprint = (rule: string, file: string, text: string) =>
  createHash('sha256')
    .update(`${rule}\0${file}\0${text.trim().replace(/\s+/g, ' ')}`)
    .digest('hex')
    .slice(0, 16);

/** A repository-relative path from a SARIF artifact URI (relative, or file:// under `root`). */
function relativeUri(uri: string, root: string): string {
  let p = uri;
  if (/^file:/i.test(p)) p = new URL(p).pathname;
  p = decodeURIComponent(p);
  if (path.isAbsolute(p)) p = path.relative(root, p);
  return p.replace(/^\.\//, '').split(path.sep).join('/');
}

function levelSeverity(level: string | undefined): Severity {
  return level === 'error' ? 'high' : level === 'warning' ? 'medium' : level === 'none' ? 'info' : 'low';
}

function lineOf(root: string, file: string, line: number | undefined): string {
  if (!line) return '';
  return readText(path.join(root, file))?.split('\n')[line - 1] ?? '';
}

/** A private folder for a tool's report (it may hold secrets until parsed), removed afterwards. */
async function withTempDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-audit-'));
  fs.chmodSync(dir, 0o700);
  try {
    return await body(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function readSarif(file: string): ToolSarif {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as ToolSarif;
}

const tail = (s: string) => s.trim().split('\n').slice(-3).join(' ').slice(0, 400);

export interface ToolOutcome {
  run: ToolRun;
  results: AnalysisResult[];
  notes: string[];
}

// ---------------------------------------------------------------------------------------------
// gitleaks
// ---------------------------------------------------------------------------------------------

/** Rules for secrets that are not a provider's credential format: likely, not certain. */
const GITLEAKS_HIGH = new Set(['generic-api-key', 'jwt', 'jwt-base64', 'hashicorp-tf-password']);

/** A gitleaks config: the repository's own .gitleaks.toml, else gitleaks' defaults. */
function gitleaksConfig(repo: string, dir: string): string {
  const own = path.join(repo, '.gitleaks.toml');
  const file = path.join(dir, 'gitleaks.toml');
  fs.writeFileSync(file, `[extend]\n${fs.existsSync(own) ? `path = ${JSON.stringify(own)}` : 'useDefault = true'}\n`);
  return file;
}

/**
 * The files gitleaks may read, as a tree of symlinks (it scans a folder, not a list): exactly the
 * audit's files, so ignored folders, maxFiles and files over 1 MiB bound its work as they bound ours.
 */
function linkTree(real: string, files: Set<string>, tree: string): void {
  for (const f of files) {
    const src = path.join(real, f);
    const st = fs.lstatSync(src, { throwIfNoEntry: false });
    if (!st?.isFile() || st.size > MAX_FILE_BYTES) continue;
    fs.mkdirSync(path.dirname(path.join(tree, f)), { recursive: true });
    fs.symlinkSync(src, path.join(tree, f));
  }
}

/** `.gitleaksignore` entries of `gitleaks dir`: `<path>:<rule>:<line>` (gitleaks' fingerprint of a finding). */
function gitleaksIgnored(repo: string): Set<string> {
  const file = path.join(repo, '.gitleaksignore');
  if (!fs.existsSync(file)) return new Set();
  return new Set(
    fs
      .readFileSync(file, 'utf8')
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#')),
  );
}

/** gitleaks over the audit's files (`gitleaks dir`), its SARIF turned into masked, fingerprinted results. */
export async function runGitleaks(
  exe: string,
  repo: string,
  files: Set<string>,
  timeoutMs: number,
): Promise<ToolOutcome> {
  return withTempDir(async (dir) => {
    const report = path.join(dir, 'gitleaks.sarif');
    const config = gitleaksConfig(repo, dir);
    const real = fs.realpathSync(repo);
    const tree = path.join(dir, 'tree');
    fs.mkdirSync(tree);
    linkTree(real, files, tree);
    const res = await runCommand({
      command: exe,
      args: [
        'dir',
        '.',
        '--follow-symlinks',
        '--config',
        config,
        '--report-format',
        'sarif',
        '--report-path',
        report,
        '--no-banner',
        '--no-color',
        '--exit-code',
        '0',
        '--log-level',
        'error',
        '--max-target-megabytes',
        '1',
      ],
      cwd: tree,
      timeoutMs,
      maxOutputBytes: 64 * 1024,
    });
    const info: ToolInfo = {
      name: 'gitleaks',
      version: pinnedVersion(GITLEAKS),
      informationUri: 'https://github.com/gitleaks/gitleaks',
    };
    if (res.exitCode !== 0 || !fs.existsSync(report)) {
      const why = res.timedOut
        ? `took longer than ${timeoutMs} ms`
        : `exited with ${res.exitCode ?? res.signal}: ${tail(res.stderr || res.stdout)}`;
      return {
        run: { key: 'gitleaks', info, rules: [], status: 'failed', reason: `gitleaks ${why}` },
        results: [],
        notes: [`gitleaks ${why}`],
      };
    }
    const ignored = gitleaksIgnored(repo);
    const sarif = readSarif(report);
    const run = sarif.runs[0];
    const ruleText = new Map((run?.tool.driver.rules ?? []).map((r) => [r.id, r.shortDescription?.text ?? r.id]));
    const results: AnalysisResult[] = [];
    const fired = new Map<string, RuleInfo>();
    for (const r of run?.results ?? []) {
      const loc = r.locations?.[0]?.physicalLocation;
      // gitleaks names a followed symlink by its target: a path under the repository.
      const file = relativeUri(loc?.artifactLocation?.uri ?? '', real);
      const line = loc?.region?.startLine ?? 1;
      if (!files.has(file) || !r.ruleId || ignored.has(`${file}:${r.ruleId}:${line}`)) continue;
      const secret = loc?.region?.snippet?.text ?? '';
      const fp = fingerprint(secret);
      const title = ruleText.get(r.ruleId) ?? r.ruleId;
      fired.set(r.ruleId, { id: r.ruleId, description: title, tags: ['security', 'secret'] });
      results.push({
        rule: `gitleaks/${r.ruleId}`,
        tool: 'gitleaks',
        severity: GITLEAKS_HIGH.has(r.ruleId) ? 'high' : 'critical',
        message: `${title} (${mask(secret)}, fingerprint ${fp}). Remove it and rotate it.`,
        path: file,
        line,
        ...(loc?.region?.endLine ? { endLine: loc.region.endLine } : {}),
        ...(loc?.region?.startColumn ? { column: loc.region.startColumn } : {}),
        source: 'gitleaks',
        fingerprint: fp,
      });
    }
    return { run: { key: 'gitleaks', info, rules: [...fired.values()], status: 'ran' }, results, notes: [] };
  });
}

// ---------------------------------------------------------------------------------------------
// Semgrep
// ---------------------------------------------------------------------------------------------

/** Files our Semgrep rules are written for (JavaScript/TypeScript, Python, Go, shell). */
export const SEMGREP_TARGETS = /\.(c|m)?(j|t)sx?$|\.(py|go|sh|bash)$/i;
const OWN_SEMGREP_CONFIGS = ['.semgrep.yml', '.semgrep.yaml', '.semgrep'];
/** Targets per semgrep invocation: keeps the command line far below the kernel's limit. */
const SEMGREP_BATCH = 2000;

export async function runSemgrep(exe: string, repo: string, files: string[], timeoutMs: number): Promise<ToolOutcome> {
  const targets = files.filter((f) => SEMGREP_TARGETS.test(f));
  const configs = [
    SEMGREP_RULES_DIR,
    ...OWN_SEMGREP_CONFIGS.map((c) => path.join(repo, c)).filter((c) => fs.existsSync(c)),
  ];
  const notes =
    configs.length > 1
      ? [
          `Semgrep also ran the repository's own rules (${configs
            .slice(1)
            .map((c) => path.relative(repo, c))
            .join(', ')})`,
        ]
      : [];
  const info: ToolInfo = { name: 'Semgrep', version: pinnedVersion(SEMGREP), informationUri: 'https://semgrep.dev' };
  const results: AnalysisResult[] = [];
  const fired = new Map<string, RuleInfo>();
  await withTempDir(async (dir) => {
    for (let i = 0; i < targets.length; i += SEMGREP_BATCH) {
      const report = path.join(dir, `semgrep-${i}.sarif`);
      const res = await runCommand({
        command: exe,
        args: [
          'scan',
          ...configs.flatMap((c) => ['--config', c]),
          '--sarif',
          '--output',
          report,
          '--metrics=off',
          '--disable-version-check',
          '--no-rewrite-rule-ids',
          '--quiet',
          '--timeout',
          '30',
          '--max-target-bytes',
          '1000000',
          '--jobs',
          '2',
          '--',
          ...targets.slice(i, i + SEMGREP_BATCH),
        ],
        cwd: repo,
        timeoutMs,
        maxOutputBytes: 64 * 1024,
        env: { SEMGREP_ENABLE_VERSION_CHECK: '0', SEMGREP_SEND_METRICS: 'off' },
      });
      // Semgrep exits 0 (or 1 with findings under --error); 2+ is a failure (bad rules, crash).
      if ((res.exitCode ?? 2) >= 2 || !fs.existsSync(report)) {
        const why = res.timedOut
          ? `took longer than ${timeoutMs} ms`
          : `exited with ${res.exitCode ?? res.signal}: ${tail(res.stderr || res.stdout)}`;
        throw new Error(`Semgrep ${why}`);
      }
      const run = readSarif(report).runs[0];
      info.version = run?.tool.driver.semanticVersion ?? info.version;
      const rules = new Map((run?.tool.driver.rules ?? []).map((r) => [r.id, r]));
      for (const r of run?.results ?? []) {
        const loc = r.locations?.[0]?.physicalLocation;
        const file = relativeUri(loc?.artifactLocation?.uri ?? '', repo);
        if (!r.ruleId) continue;
        const rule = rules.get(r.ruleId);
        fired.set(r.ruleId, {
          id: r.ruleId,
          description: rule?.fullDescription?.text ?? rule?.shortDescription?.text ?? r.ruleId,
          tags: rule?.properties?.tags ?? ['security'],
          ...(rule?.helpUri ? { helpUri: rule.helpUri } : {}),
        });
        const line = loc?.region?.startLine ?? 1;
        results.push({
          rule: `semgrep/${r.ruleId}`,
          tool: 'semgrep',
          // Semgrep leaves `level` off results: the rule's default level is the one it reported.
          severity: levelSeverity(r.level ?? rule?.defaultConfiguration?.level ?? 'warning'),
          message: r.message?.text ?? r.ruleId,
          path: file,
          line,
          ...(loc?.region?.endLine ? { endLine: loc.region.endLine } : {}),
          ...(loc?.region?.startColumn ? { column: loc.region.startColumn } : {}),
          source: 'semgrep',
          fingerprint: lineFingerprint(
            `semgrep/${r.ruleId}`,
            file,
            loc?.region?.snippet?.text ?? lineOf(repo, file, line),
          ),
        });
      }
    }
  });
  notes.push(`Semgrep scanned ${targets.length} JavaScript/TypeScript, Python, Go and shell files`);
  return { run: { key: 'semgrep', info, rules: [...fired.values()], status: 'ran' }, results, notes };
}

// ---------------------------------------------------------------------------------------------
// Our own checks: only what no tool covers, or everything of a kind when its tool is missing.
// ---------------------------------------------------------------------------------------------

const OWN: ToolInfo = { name: 'Claude Flow checks' };

/** Runs our line checks over `files`: secret rules (all, or only those gitleaks lacks) or risky-code patterns. */
export function runOwnChecks(
  repo: string,
  files: string[],
  kind: 'secrets' | 'secrets-gaps' | 'risky',
  allow: Allowlist = emptyAllowlist(),
): ToolOutcome & { filesScanned: number } {
  const results: AnalysisResult[] = [];
  const fired = new Map<string, RuleInfo>();
  let filesScanned = 0;
  for (const rel of files) {
    const text = readText(path.join(repo, rel));
    if (text === undefined) continue;
    filesScanned++;
    const lines = text.split('\n').map((t, n) => ({ line: n + 1, text: t.replace(/\r$/, '') }));
    let found = kind === 'risky' ? scanRisky(rel, lines) : scanSecrets(rel, lines, allow);
    if (kind === 'secrets-gaps') found = found.filter((f) => f.rule === 'secret/password-in-url');
    for (const f of found) {
      const secretFp = /fingerprint ([0-9a-f]{16})/.exec(f.message)?.[1];
      const text = lines[(f.line ?? 1) - 1]?.text ?? '';
      const ruleTitle = SECRET_RULES.find((r) => r.id === f.rule)?.title;
      fired.set(f.rule, {
        id: f.rule,
        description: ruleTitle ? `A ${ruleTitle} committed to the repository` : f.message,
        tags: ['security'],
      });
      results.push({
        ...f,
        tool: 'claude-flow',
        source: 'claude-flow',
        fingerprint: secretFp ?? lineFingerprint(f.rule, rel, text),
      });
    }
  }
  return {
    run: { key: 'claude-flow', info: OWN, rules: [...fired.values()], status: 'ran' },
    results,
    notes: [],
    filesScanned,
  };
}
