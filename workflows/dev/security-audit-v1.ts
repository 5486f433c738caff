// securityAudit as it ran before patch `security-audit-analysers` (our own patterns instead of
// gitleaks and Semgrep): kept unchanged so that runs started before it replay. New runs take the
// path in security-audit.ts.
import { ActivityFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { DependencyAudit, ScanResult, TriagedFinding } from '../../activities/dev/security-audit';
import { ai } from '../ai';
import { posts } from './proxies';
import { Progress } from './common';
import { SEVERITIES, countBySeverity, mergeFindings, severityRank } from '../contract/findings';
import type { WorkflowProgress } from '../contract/runs';
import type { Finding, Severity } from '../contract/findings';
import type { SecurityAuditOptions } from '../contract/inputs/security-audit';

export interface SecurityAuditV1Result {
  /** Path of the SARIF 2.1.0 file. */
  sarif: string;
  markdown: string;
  summary: string;
  counts: Record<Severity, number>;
  totalFindings: number;
  /** The most severe findings (at most 50; the SARIF file holds all that were kept). */
  findings: TriagedFinding[];
  secrets: { total: number; filesScanned: number };
  risky: { total: number; filesScanned: number };
  dependencies: DependencyAudit | { outcome: 'skipped'; reason: string };
  triage:
    | { outcome: 'ok'; reviewed: number; falsePositives: number }
    | { outcome: 'skipped' | 'unparsable' | 'failed'; reason: string };
  issue?: { number: number; url: string; reused: boolean };
  notes: string[];
  progress: WorkflowProgress;
}

const STEPS = ['secrets', 'risky-code', 'dependencies', 'ai-triage', 'report', 'issue'];

const acts = proxyActivities<Activities>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 5 },
});

const causeOf = (err: unknown) =>
  (err instanceof ActivityFailure && err.cause ? err.cause : (err as Error))?.message ?? String(err);

export async function securityAuditV1(input: SecurityAuditOptions & { path: string }): Promise<SecurityAuditV1Result> {
  const progress = new Progress('securityAudit', STEPS);
  const { maxFiles } = input;
  const notes: string[] = [];

  const scan = (check: 'secrets' | 'risky') =>
    acts.auditScan({ path: input.path, check, allowlistFile: input.allowlistFile, maxFiles, maxFindings: 400 });
  const describe = (r: ScanResult) =>
    `${r.total} finding${r.total === 1 ? '' : 's'} in ${r.filesScanned} files (${r.filesSkipped} binary or over 1 MiB skipped)`;
  const secrets = await progress.step('secrets', () => scan('secrets'), describe);
  const risky = await progress.step('risky-code', () => scan('risky'), describe);
  notes.push(...secrets.notes, ...risky.notes.filter((n) => !n.startsWith('allowlist:')));

  let dependencies: SecurityAuditV1Result['dependencies'];
  if (!input.npmAudit) {
    dependencies = { outcome: 'skipped', reason: 'dependency audit skipped: npmAudit is false' };
    await progress.skip('dependencies', dependencies.reason);
  } else {
    await progress.start('dependencies');
    try {
      dependencies = await acts.auditDependencies({ path: input.path });
    } catch (err) {
      dependencies = { outcome: 'skipped', reason: `dependency audit failed: ${causeOf(err)}` };
    }
    if (dependencies.outcome === 'ok') {
      await progress.done(
        'dependencies',
        `${dependencies.vulnerabilities} vulnerable packages in ${dependencies.lockfile}`,
      );
    } else {
      notes.push(dependencies.reason);
      await progress.skip('dependencies', dependencies.reason);
    }
  }

  let findings: TriagedFinding[] = mergeFindings(
    [secrets.findings, risky.findings, dependencies.outcome === 'ok' ? dependencies.findings : []],
    1500,
  );

  let triage: SecurityAuditV1Result['triage'];
  const limit = input.triageLimit;
  if (!input.triage) {
    triage = { outcome: 'skipped', reason: 'triage is false' };
    await progress.skip('ai-triage', triage.reason);
  } else if (findings.length === 0) {
    triage = { outcome: 'skipped', reason: 'no findings to triage' };
    await progress.skip('ai-triage', triage.reason);
  } else {
    await progress.start('ai-triage', `the ${Math.min(limit, findings.length)} most severe findings`);
    const head: Finding[] = findings.slice(0, limit);
    try {
      const r = await ai.auditTriage({
        path: input.path,
        findings: head,
        ...(input.route ? { route: input.route } : {}),
      });
      if (r.outcome === 'ok') {
        const byIndex = new Map(r.verdicts.map((v) => [v.index, v]));
        findings = findings.map((f, i) => {
          const v = byIndex.get(i);
          return v ? { ...f, triage: `${v.verdict}${v.note ? `: ${v.note}` : ''}` } : f;
        });
        const falsePositives = r.verdicts.filter((v) => v.verdict === 'false-positive').length;
        triage = { outcome: 'ok', reviewed: r.verdicts.length, falsePositives };
        await progress.done(
          'ai-triage',
          `${r.verdicts.length} verdicts (${falsePositives} likely false positives) from ${r.provider}/${r.model}`,
        );
      } else {
        triage = r;
        notes.push(`AI triage ${r.outcome}: ${r.reason}`);
        if (r.outcome === 'skipped') await progress.skip('ai-triage', r.reason);
        else await progress.fail('ai-triage', r.reason);
      }
    } catch (err) {
      triage = { outcome: 'failed', reason: causeOf(err) };
      notes.push(`AI triage failed: ${triage.reason}`);
      await progress.fail('ai-triage', triage.reason);
    }
  }

  // Counts cover everything found, also beyond the listed findings.
  const counts = countBySeverity([]);
  const listed = countBySeverity(findings);
  for (const s of SEVERITIES) {
    counts[s] = Math.max(
      listed[s],
      secrets.counts[s] +
        risky.counts[s] +
        (dependencies.outcome === 'ok' ? countBySeverity(dependencies.findings)[s] : 0),
    );
  }
  const total = SEVERITIES.reduce((n, s) => n + counts[s], 0);
  const countText = SEVERITIES.filter((s) => counts[s] > 0)
    .map((s) => `${counts[s]} ${s}`)
    .join(', ');
  const summary =
    `${total === 0 ? 'No findings' : `${total} findings (${countText})`}: ` +
    `${secrets.total} secrets, ${risky.total} risky code patterns, ` +
    (dependencies.outcome === 'ok'
      ? `${dependencies.vulnerabilities} vulnerable dependencies`
      : 'dependencies not audited') +
    ` in ${secrets.filesScanned} files.`;

  const report = await progress.step(
    'report',
    () =>
      acts.auditWriteReport({
        path: input.path,
        id: workflowInfo().workflowId,
        reportDir: input.reportDir,
        findings,
        counts,
        total,
        notes,
        summary,
      }),
    (r) => `SARIF ${r.sarif}`,
  );

  let issue: SecurityAuditV1Result['issue'];
  const wanted = input.createIssue;
  if (!wanted) {
    await progress.skip('issue', 'createIssue not requested');
  } else {
    const min = wanted.minSeverity;
    const serious = findings.filter((f) => severityRank(f.severity) <= severityRank(min));
    if (serious.length === 0) {
      await progress.skip('issue', `no findings at ${min} or above`);
    } else {
      const posted = await progress.step(
        'issue',
        () =>
          posts.auditCreateIssue({
            repo: wanted.repo,
            labels: wanted.labels,
            title: `Security audit: ${serious.length} findings at ${min} or above`,
            summary,
            findings: serious.slice(0, 50),
            sarifPath: report.sarif,
          }),
        (r) => `${r.reused ? 'found issue' : 'opened issue'} #${r.number}: ${r.url}`,
      );
      issue = { number: posted.number, url: posted.url, reused: posted.reused };
    }
  }

  return {
    sarif: report.sarif,
    markdown: report.markdown,
    summary,
    counts,
    totalFindings: total,
    findings: findings.slice(0, 50),
    secrets: { total: secrets.total, filesScanned: secrets.filesScanned },
    risky: { total: risky.total, filesScanned: risky.filesScanned },
    dependencies:
      dependencies.outcome === 'ok' ? { ...dependencies, findings: dependencies.findings.slice(0, 20) } : dependencies,
    triage,
    ...(issue ? { issue } : {}),
    notes,
    progress: progress.view(),
  };
}
