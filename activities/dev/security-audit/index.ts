// The securityAudit activities: scanning a repository's files for secrets (patterns, entropy, the
// allowlist) and risky code, npm audit, optional AI triage, the SARIF 2.1.0 file and Markdown
// summary, and an optional GitHub issue (created once per run).
import fs from 'node:fs';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { SEVERITIES, countBySeverity } from '../../../workflows/contract/findings';
import type { Finding, Severity } from '../../../workflows/contract/findings';
import { createAiActivities } from '../../ai';
import type { ActivityDeps } from '../../deps';
import { createGithubActivities } from '../../github';
import { scanRisky } from '../checks/risky';
import { DEFAULT_ALLOWLIST_FILE, emptyAllowlist, parseAllowlist, scanSecrets } from '../checks/secrets';
import { extractJson } from '../code-review/ai-review';
import { findingsTable } from '../code-review/report';
import { type DependencyAudit, npmAudit } from './npm-audit';
import { buildSarif } from './sarif';
import { checkRepo, invalid, listFiles, readText } from './files';
import { createAnalyserActivities } from './analyse';

export type { DependencyAudit };

export interface ScanInput {
  path: string;
  check: 'secrets' | 'risky';
  allowlistFile?: string;
  maxFiles: number;
  maxFindings: number;
}

export interface ScanResult {
  findings: Finding[];
  /** Counts over everything found, including findings beyond `maxFindings`. */
  counts: Record<Severity, number>;
  total: number;
  filesScanned: number;
  filesSkipped: number;
  notes: string[];
}

export type TriagedFinding = Finding & { triage?: string };

export type TriageResult =
  | { outcome: 'ok'; verdicts: { index: number; verdict: string; note: string }[]; provider: string; model: string }
  | { outcome: 'skipped'; reason: string }
  | { outcome: 'unparsable'; reason: string };

/** Rules whose findings are secrets (ours, and gitleaks'): their code is never shown to a model. */
const isSecretRule = (rule: string) => rule.startsWith('secret/') || rule.startsWith('gitleaks/');

const TRIAGE_SYSTEM = `You triage findings of a static security scan. For each numbered finding decide whether it is a real problem.
Answer with JSON only: {"verdicts":[{"index":<number>,"verdict":"true-positive"|"false-positive"|"needs-review","note":"<one sentence>"}]}`;

export function createAuditActivities(deps: ActivityDeps) {
  const ai = createAiActivities(deps);
  const github = createGithubActivities(deps);

  return {
    ...createAnalyserActivities(deps),
    /** Secrets (with the allowlist) or risky-code patterns over every file of the repository (before patch security-audit-analysers). */
    async auditScan(input: ScanInput): Promise<ScanResult> {
      checkRepo(input.path);
      const ctx = Context.current();
      const notes: string[] = [];
      let allow = emptyAllowlist();
      if (input.check === 'secrets') {
        const file = input.allowlistFile ?? DEFAULT_ALLOWLIST_FILE;
        const full = path.resolve(input.path, file);
        if (fs.existsSync(full)) allow = parseAllowlist(fs.readFileSync(full, 'utf8'), file);
        else if (input.allowlistFile) {
          throw invalid(`allowlistFile ${file} does not exist in ${input.path}; create it or leave allowlistFile out`);
        }
        notes.push(...allow.problems.map((p) => `allowlist: ${p}`));
      }
      const { files, more } = await listFiles(input.path, input.maxFiles);
      if (more) notes.push(`${more} files over the limit of ${input.maxFiles} were not scanned`);
      const all: Finding[] = [];
      let scanned = 0;
      let skipped = 0;
      for (const [i, rel] of files.entries()) {
        if (i % 200 === 0) ctx.heartbeat({ file: rel, scanned });
        const text = readText(path.join(input.path, rel));
        if (text === undefined) {
          skipped++;
          continue;
        }
        scanned++;
        const lines = text.split('\n').map((t, n) => ({ line: n + 1, text: t.replace(/\r$/, '') }));
        all.push(...(input.check === 'secrets' ? scanSecrets(rel, lines, allow) : scanRisky(rel, lines)));
      }
      if (all.length > input.maxFindings) {
        notes.push(`${all.length} ${input.check} findings; the ${input.maxFindings} most severe are listed`);
      }
      const sorted = [...all].sort(
        (a, b) =>
          SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || (a.path ?? '').localeCompare(b.path ?? ''),
      );
      return {
        findings: sorted.slice(0, input.maxFindings),
        counts: countBySeverity(all),
        total: all.length,
        filesScanned: scanned,
        filesSkipped: skipped,
        notes,
      };
    },

    async auditDependencies(input: { path: string }): Promise<DependencyAudit> {
      checkRepo(input.path);
      const r = await npmAudit(input.path);
      return r.outcome === 'ok' ? { ...r, findings: r.findings.slice(0, 300) } : r;
    },

    /**
     * Asks the model (task `review`) which of the first findings are real. Secrets are described,
     * never sent: the model sees rule, place and message (which masks them), plus code only for
     * non-secret findings, with any line that may hold a secret withheld.
     */
    async auditTriage(input: { path: string; findings: Finding[]; route?: string[] }): Promise<TriageResult> {
      // Lines that hold a secret (a secret finding is there, or our patterns see one) are never sent.
      const secretLines = new Set(input.findings.filter((f) => isSecretRule(f.rule)).map((f) => `${f.path}:${f.line}`));
      const items = input.findings.map((f, i) => {
        let code = '';
        if (!isSecretRule(f.rule) && f.path && f.line) {
          const text = readText(path.join(input.path, f.path));
          const lines = text?.split('\n') ?? [];
          const first = Math.max(1, f.line - 2);
          code = lines
            .slice(first - 1, f.line + 2)
            .map((l, k) => {
              const n = first + k;
              const secret =
                secretLines.has(`${f.path}:${n}`) || scanSecrets(f.path as string, [{ line: n, text: l }]).length > 0;
              return `${n}: ${secret ? '[withheld: this line may hold a secret]' : l.slice(0, 300)}`;
            })
            .join('\n');
        }
        return `[${i}] ${f.severity} ${f.rule} at ${f.path ?? '-'}:${f.line ?? '-'}\n${f.message}${code ? `\n${code}` : ''}`;
      });
      const result = await ai.callModel({
        task: 'review',
        system: TRIAGE_SYSTEM,
        messages: [{ role: 'user', content: items.join('\n\n') }],
        maxTokens: 2048,
        temperature: 0,
        optional: true,
        workspace: input.path,
        ...(input.route ? { route: input.route } : {}),
      });
      if (result.outcome === 'skipped') return { outcome: 'skipped', reason: result.reason };
      const json = extractJson(result.text) as { verdicts?: unknown } | undefined;
      const list = Array.isArray(json) ? json : Array.isArray(json?.verdicts) ? json.verdicts : undefined;
      if (!list) {
        const preview = result.text.replace(/\s+/g, ' ').trim().slice(0, 120);
        return { outcome: 'unparsable', reason: `the model's reply was not JSON verdicts ("${preview}")` };
      }
      const verdicts = list
        .filter((v): v is { index: number; verdict: string; note?: string } => {
          const o = v as Record<string, unknown>;
          return (
            !!o &&
            Number.isInteger(o.index) &&
            (o.index as number) >= 0 &&
            (o.index as number) < input.findings.length &&
            typeof o.verdict === 'string'
          );
        })
        .map((v) => ({ index: v.index, verdict: v.verdict.slice(0, 40), note: String(v.note ?? '').slice(0, 500) }));
      return { outcome: 'ok', verdicts, provider: result.provider, model: result.model };
    },

    /** Writes `security-audit-<id>.sarif` (SARIF 2.1.0) and `.md`; returns their paths. */
    async auditWriteReport(input: {
      path: string;
      id: string;
      reportDir?: string;
      findings: TriagedFinding[];
      counts: Record<Severity, number>;
      total: number;
      notes: string[];
      summary: string;
    }): Promise<{ sarif: string; markdown: string }> {
      const dir = input.reportDir ?? path.join(input.path, '.claude-flow', 'reports');
      fs.mkdirSync(dir, { recursive: true });
      const base = path.join(dir, `security-audit-${input.id.replace(/[^A-Za-z0-9._-]+/g, '_')}`);
      const version = (require('../../../package.json') as { version: string }).version;
      const sarif = buildSarif({ findings: input.findings, root: input.path, version, notes: input.notes });
      const md = `# Security audit: ${path.basename(input.path)}

${input.summary}

## Findings

${findingsTable(input.findings, 500)}
${input.notes.length ? `\n## Notes\n\n${input.notes.map((n) => `- ${n}`).join('\n')}\n` : ''}`;
      const write = (file: string, content: string) => {
        const tmp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, content);
        fs.renameSync(tmp, file);
      };
      write(`${base}.sarif`, `${JSON.stringify(sarif, null, 2)}\n`);
      write(`${base}.md`, md);
      return { sarif: `${base}.sarif`, markdown: `${base}.md` };
    },

    /** The audit as a GitHub issue, created at most once per run (marker step `security-audit-issue`). */
    async auditCreateIssue(input: {
      repo: string;
      labels?: string[];
      title: string;
      summary: string;
      findings: Finding[];
      sarifPath: string;
    }) {
      const ctx = Context.current();
      const beat = setInterval(() => ctx.heartbeat(), 2_000);
      try {
        return await github.githubCreateIssue({
          repo: input.repo,
          step: 'security-audit-issue',
          title: input.title,
          body: `${input.summary}\n\n${findingsTable(input.findings, 50)}\n\nSARIF: \`${input.sarifPath}\``,
          ...(input.labels?.length ? { labels: input.labels } : {}),
        });
      } finally {
        clearInterval(beat);
      }
    },
  };
}
