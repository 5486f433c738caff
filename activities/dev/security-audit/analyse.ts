// The security audit's analyser activities (securityAudit from patch `security-audit-analysers` on):
// fetching a remote repository, one activity per analyser step (secrets, risky code, linters,
// dependencies) whose results carry the repository baseline's classification and acceptances,
// and the merged SARIF report.
import fs from 'node:fs';
import path from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { mergeAnalyses, type Analysis, type AnalysisResult, type ToolRun } from '../../../workflows/contract/analysis';
import { severityRank } from '../../../workflows/contract/findings';
import type { ActivityDeps } from '../../deps';
import { git } from '../../session/git';
import { DEFAULT_ALLOWLIST_FILE, emptyAllowlist, parseAllowlist } from '../checks/secrets';
import { findingsTable } from '../code-review/report';
import { lineFingerprint, resolveTool, runGitleaks, runOwnChecks, runSemgrep, type ToolOutcome } from './analysers';
import { applyBaseline, BASELINE_FILE, BaselineError, loadBaseline } from './baseline';
import { checkoutDir, ensureCheckout, gitBaseUrl, removeCheckout, resolveRemote, type RemoteRef } from './checkout';
import { checkRepo, invalid, listFiles } from './files';
import { runEslint, runRuff } from './linters';
import { buildMergedSarif, fileUri } from './merged-sarif';
import { npmAudit } from './npm-audit';

/** What is audited: a local folder, or a commit of a repository on GitHub (fetched by `auditCheckout`). */
export type AuditTarget = { path: string } | { repo: string; commitSha: string };

export interface AnalyseInput {
  target: AuditTarget;
  step: Analysis['step'];
  allowlistFile?: string;
  baselineFile?: string;
  maxFiles: number;
  /** Results kept (most severe first); `total` counts them all. */
  maxResults: number;
}

const TOOL_TIMEOUT_MS = 10 * 60_000;

export function createAnalyserActivities(deps: ActivityDeps) {
  const { config } = deps;

  /** The folder of `target` on this worker (a remote commit is fetched here if needed). */
  async function folderOf(target: AuditTarget): Promise<string> {
    if ('path' in target) {
      checkRepo(target.path);
      return target.path;
    }
    return ensureCheckout(config, target.repo, target.commitSha);
  }

  /** Heartbeats while `body` runs (tool installs and fetches take a while without output). */
  async function beating<T>(body: () => Promise<T>): Promise<T> {
    const ctx = Context.current();
    const beat = setInterval(() => ctx.heartbeat(), 3_000);
    try {
      return await body();
    } finally {
      clearInterval(beat);
    }
  }

  function baselineOf(dir: string, file?: string) {
    try {
      return loadBaseline(dir, file ?? BASELINE_FILE);
    } catch (err) {
      if (err instanceof BaselineError) throw invalid(err.message);
      throw err;
    }
  }

  async function secrets(dir: string, files: string[], input: AnalyseInput): Promise<ToolOutcome[]> {
    let allow = emptyAllowlist();
    const allowFile = input.allowlistFile ?? DEFAULT_ALLOWLIST_FILE;
    const full = path.resolve(dir, allowFile);
    if (fs.existsSync(full)) allow = parseAllowlist(fs.readFileSync(full, 'utf8'), allowFile);
    else if (input.allowlistFile) {
      throw invalid(
        `allowlistFile ${allowFile} does not exist in the repository; create it or leave allowlistFile out`,
      );
    }
    const notes = allow.problems.map((p) => `allowlist: ${p}`);
    const tool = await resolveTool('gitleaks', config);
    if ('unavailable' in tool) {
      const own = runOwnChecks(dir, files, 'secrets', allow);
      const reason = `${tool.unavailable}; the built-in secret patterns ran instead`;
      return [
        {
          run: { key: 'gitleaks', info: { name: 'gitleaks' }, rules: [], status: 'skipped', reason },
          results: [],
          notes: [`gitleaks skipped: ${reason}`],
        },
        { ...own, notes: [...notes, ...own.notes] },
      ];
    }
    const leaks = await runGitleaks(tool.path, dir, new Set(files), TOOL_TIMEOUT_MS);
    // The allowlist file (older than the baseline) still hides what it names from gitleaks too, by
    // fingerprint, path or line (its literal values are compared by our own checks only).
    leaks.results = leaks.results.filter(
      (r) =>
        !allow.fingerprints.some((f) => r.fingerprint.startsWith(f)) &&
        !allow.paths.some((p) => p.test(r.path ?? '')) &&
        !allow.lines.has(`${r.path}:${r.line}`),
    );
    const own = runOwnChecks(dir, files, leaks.run.status === 'ran' ? 'secrets-gaps' : 'secrets', allow);
    return [leaks, { ...own, notes: [...notes, ...own.notes] }];
  }

  async function risky(dir: string, files: string[]): Promise<ToolOutcome[]> {
    const tool = await resolveTool('semgrep', config);
    const fallback = (reason: string): ToolOutcome[] => [
      {
        run: { key: 'semgrep', info: { name: 'Semgrep' }, rules: [], status: 'skipped', reason },
        results: [],
        notes: [`Semgrep skipped: ${reason}`],
      },
      runOwnChecks(dir, files, 'risky'),
    ];
    if ('unavailable' in tool) return fallback(`${tool.unavailable}; the built-in risky-code patterns ran instead`);
    try {
      return [await runSemgrep(tool.path, dir, files, TOOL_TIMEOUT_MS)];
    } catch (err) {
      return fallback(`${(err as Error).message}; the built-in risky-code patterns ran instead`);
    }
  }

  async function linters(dir: string, files: string[], remote: boolean): Promise<ToolOutcome[]> {
    if (remote) {
      const reason =
        "a remote repository's linter configuration is code it would run on this worker (eslint.config.js): not run";
      return [
        {
          run: { key: 'eslint', info: { name: 'ESLint' }, rules: [], status: 'skipped', reason },
          results: [],
          notes: [`linters skipped: ${reason}`],
        },
      ];
    }
    const set = new Set(files);
    // Only the linters the repository configures run: none configured is no tool, not a failure.
    return (await Promise.all([runEslint(dir, set, TOOL_TIMEOUT_MS), runRuff(dir, set, TOOL_TIMEOUT_MS)])).filter(
      (x): x is ToolOutcome => x !== undefined,
    );
  }

  async function dependencies(dir: string): Promise<{ outcomes: ToolOutcome[]; lockfile?: string }> {
    const r = await npmAudit(dir);
    const info = { name: 'npm audit', informationUri: 'https://docs.npmjs.com/cli/commands/npm-audit' };
    if (r.outcome !== 'ok') {
      return {
        outcomes: [
          {
            run: { key: 'npm-audit', info, rules: [], status: 'skipped', reason: r.reason },
            results: [],
            notes: [r.reason],
          },
        ],
      };
    }
    const outcomes: ToolOutcome[] = [
      {
        run: {
          key: 'npm-audit',
          info,
          rules: r.findings.map((f) => ({
            id: f.rule.replace(/^npm-audit\//, ''),
            description: `A vulnerable version of ${f.rule.replace(/^npm-audit\//, '')}`,
            tags: ['security', 'dependency'],
          })),
          status: 'ran',
        },
        results: r.findings.map((f) => ({
          ...f,
          tool: 'npm-audit',
          fingerprint: lineFingerprint(f.rule, f.path ?? '', f.rule),
        })),
        notes: [],
      },
    ];
    return { outcomes, lockfile: r.lockfile };
  }

  return {
    /** Resolves `{repo, ref}` to a commit and fetches it (depth 1) onto this worker. */
    async auditCheckout(input: RemoteRef) {
      if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(input.repo))
        throw invalid(`repo "${input.repo}" must be "owner/name"`);
      return beating(async () => {
        const resolved = await resolveRemote(config, input);
        const dir = await ensureCheckout(config, input.repo, resolved.commitSha);
        return { ...resolved, dir, webUrl: `${gitBaseUrl(config.github.apiUrl)}/${input.repo}` };
      });
    },

    /** The local repository's commit and ref, for the code scanning upload; whether files differ from it. */
    async auditLocalCommit(input: { path: string }): Promise<{ commitSha?: string; fullRef?: string; dirty: boolean }> {
      checkRepo(input.path);
      const sha = await git(input.path, ['rev-parse', '--verify', 'HEAD']).catch(() => '');
      const ref = await git(input.path, ['symbolic-ref', '-q', 'HEAD']).catch(() => '');
      const status = await git(input.path, ['status', '--porcelain', '--untracked-files=no']).catch(() => '');
      return {
        ...(sha.trim() ? { commitSha: sha.trim() } : {}),
        ...(ref.trim() ? { fullRef: ref.trim() } : {}),
        dirty: status.trim().length > 0,
      };
    },

    /** One analyser step over the target's files; results classified and marked by the baseline. */
    async auditAnalyse(input: AnalyseInput): Promise<Analysis & { lockfile?: string }> {
      return beating(async () => {
        const dir = await folderOf(input.target);
        const baseline = baselineOf(dir, input.baselineFile);
        const { files, more } = await listFiles(dir, input.maxFiles);
        const notes: string[] = more ? [`${more} files over the limit of ${input.maxFiles} were not scanned`] : [];
        const deps = input.step === 'dependencies' ? await dependencies(dir) : undefined;
        const outcomes =
          deps?.outcomes ??
          (input.step === 'secrets'
            ? await secrets(dir, files, input)
            : input.step === 'risky-code'
              ? await risky(dir, files)
              : await linters(dir, files, 'repo' in input.target));
        const results: AnalysisResult[] = outcomes.flatMap((o) => o.results);
        const { unused } = applyBaseline(baseline, results);
        if (baseline.file && unused.length && input.step === 'secrets') {
          notes.push(
            `${baseline.file}: accepted entries ${unused.map((i) => `#${i + 1}`).join(', ')} matched no secret finding`,
          );
        }
        results.sort(
          (a, b) =>
            Number(Boolean(a.suppression)) - Number(Boolean(b.suppression)) ||
            severityRank(a.severity) - severityRank(b.severity) ||
            (a.path ?? '').localeCompare(b.path ?? '') ||
            (a.line ?? 0) - (b.line ?? 0),
        );
        if (results.length > input.maxResults)
          notes.push(`${results.length} ${input.step} results; the ${input.maxResults} most severe are kept`);
        return {
          step: input.step,
          tools: outcomes.map((o) => o.run),
          results: results.slice(0, input.maxResults),
          total: results.length,
          filesScanned: files.length,
          notes: [...notes, ...outcomes.flatMap((o) => o.notes)],
          ...(deps?.lockfile ? { lockfile: deps.lockfile } : {}),
        };
      });
    },

    /** Writes `security-audit-<id>.sarif` (the merged SARIF 2.1.0 log) and `.md`; returns their paths. */
    async auditWriteMergedReport(input: {
      target: AuditTarget;
      id: string;
      reportDir?: string;
      webUrl?: string;
      analyses: Analysis[];
      /** AI triage verdicts by finding fingerprint. */
      triage: Record<string, string>;
      notes: string[];
      summary: string;
    }): Promise<{ sarif: string; markdown: string; results: number; suppressed: number }> {
      const local = 'path' in input.target ? input.target.path : undefined;
      const dir =
        input.reportDir ?? (local ? path.join(local, '.claude-flow', 'reports') : path.join(config.dataDir, 'reports'));
      fs.mkdirSync(dir, { recursive: true });
      const base = path.join(dir, `security-audit-${input.id.replace(/[^A-Za-z0-9._-]+/g, '_')}`);
      const version = (require('../../../package.json') as { version: string }).version;
      const merged = mergeAnalyses(input.analyses).map((r) =>
        input.triage[r.fingerprint] ? { ...r, triage: input.triage[r.fingerprint] } : r,
      );
      const tools: ToolRun[] = input.analyses.flatMap((a) => a.tools);
      const root = local
        ? fileUri(local)
        : `${input.webUrl ?? ''}/blob/${'commitSha' in input.target ? input.target.commitSha : ''}/`;
      const sarif = buildMergedSarif({ tools, results: merged, version, root, runId: input.id, notes: input.notes });
      const open = merged.filter((r) => !r.suppression);
      const accepted = merged.filter((r) => r.suppression);
      const md = `# Security audit: ${local ? path.basename(local) : 'repo' in input.target ? `${input.target.repo}@${input.target.commitSha.slice(0, 12)}` : ''}

${input.summary}

## Tools

${tools.map((t) => `- ${t.info.name}${t.info.version ? ` ${t.info.version}` : ''}: ${t.status}${t.reason ? ` (${t.reason})` : ''}`).join('\n')}

## Findings

${findingsTable(open, 500)}
${accepted.length ? `\n## Accepted in the baseline\n\n${accepted.map((r) => `- ${r.rule} at ${r.path}:${r.line}: ${r.suppression?.reason} (accepted by ${r.suppression?.acceptedBy})`).join('\n')}\n` : ''}${input.notes.length ? `\n## Notes\n\n${input.notes.map((n) => `- ${n}`).join('\n')}\n` : ''}`;
      const write = (file: string, content: string) => {
        const tmp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, content);
        fs.renameSync(tmp, file);
      };
      write(`${base}.sarif`, `${JSON.stringify(sarif, null, 2)}\n`);
      write(`${base}.md`, md);
      return { sarif: `${base}.sarif`, markdown: `${base}.md`, results: merged.length, suppressed: accepted.length };
    },

    /** Removes a remote audit's checkout from this worker. */
    async auditRemoveCheckout(input: { repo: string; commitSha: string }): Promise<void> {
      if (!/^[0-9a-f]{40}$/.test(input.commitSha)) {
        throw ApplicationFailure.create({
          nonRetryable: true,
          message: `commitSha ${input.commitSha} is not a commit sha`,
        });
      }
      const dir = checkoutDir(config, input.repo, input.commitSha);
      if (dir.startsWith(path.join(config.dataDir, 'checkouts'))) removeCheckout(config, input.repo, input.commitSha);
    },
  };
}
