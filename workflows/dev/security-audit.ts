// securityAudit: a local repository's working tree, or a commit of a GitHub repository fetched
// shallow, analysed by gitleaks (secrets), Semgrep (risky code, our rule files), the repository's
// own linters and `npm audit`; the results merged into one SARIF 2.1.0 log (one result per place
// and topic, each tool named), classified (tests and examples are never critical) and checked
// against the repository's baseline; optional AI triage; the SARIF uploaded to GitHub code scanning
// and an issue opened when asked (each once per run).
import { ActivityFailure, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { UploadSarifResult } from '../../activities/github';
import type { DependencyAudit, TriagedFinding } from '../../activities/dev/security-audit';
import { ai } from '../ai';
import { posts } from './proxies';
import { Progress } from './common';
import { securityAuditV1, type SecurityAuditV1Result } from './security-audit-v1';
import {
  CODE_SCANNING_CATEGORY,
  CODE_SCANNING_TOOL,
  mergeAnalyses,
  type Analysis,
  type ToolRun,
} from '../contract/analysis';
import { SEVERITIES, countBySeverity, severityRank } from '../contract/findings';
import type { WorkflowProgress } from '../contract/runs';
import type { Severity } from '../contract/findings';
import { securityAuditInput, type SecurityAuditInput } from '../contract/inputs/security-audit';
import { parseInput } from '../contract/inputs/parse';

/** From this patch on the audit runs gitleaks, Semgrep and the repository's linters (before: our own patterns). */
export const ANALYSERS_PATCH = 'security-audit-analysers';

export interface SecurityAuditResult {
  /** Path of the merged SARIF 2.1.0 file. */
  sarif: string;
  markdown: string;
  summary: string;
  /** Open findings (not accepted in the baseline) by severity. */
  counts: Record<Severity, number>;
  totalFindings: number;
  /** Findings the baseline accepts (in the SARIF file as suppressed, not counted). */
  accepted: number;
  /** The most severe open findings (at most 50; the SARIF file holds all that were kept). */
  findings: TriagedFinding[];
  /** Each tool that was asked: ran, skipped or failed, and why. */
  tools: { name: string; version?: string; status: ToolRun['status']; reason?: string }[];
  /** What was audited. */
  target: { path: string } | { repo: string; ref?: string; commitSha: string };
  secrets: { total: number; filesScanned: number };
  risky: { total: number; filesScanned: number };
  dependencies: DependencyAudit | { outcome: 'skipped'; reason: string };
  triage:
    | { outcome: 'ok'; reviewed: number; falsePositives: number }
    | { outcome: 'skipped' | 'unparsable' | 'failed'; reason: string };
  codeScanning?: UploadSarifResult & { repo?: string; commitSha?: string; ref?: string };
  issue?: { number: number; url: string; reused: boolean };
  notes: string[];
  progress: WorkflowProgress;
}

const STEPS = ['secrets', 'risky-code', 'linters', 'dependencies', 'ai-triage', 'report', 'code-scanning', 'issue'];

const acts = proxyActivities<Activities>({
  startToCloseTimeout: '20 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 5 },
});

const causeOf = (err: unknown) =>
  (err instanceof ActivityFailure && err.cause ? err.cause : (err as Error))?.message ?? String(err);

export async function securityAudit(raw: SecurityAuditInput): Promise<SecurityAuditResult | SecurityAuditV1Result> {
  // The contract's schema, parsed here as well (see contract/inputs/parse.ts): defaults applied;
  // a bad input is an InvalidRequest failure before anything runs.
  const input = parseInput('securityAudit', securityAuditInput, raw);
  if (!patched(ANALYSERS_PATCH)) return securityAuditV1({ ...input, path: input.path as string });
  const remote = input.repo;
  const progress = new Progress('securityAudit', remote ? ['checkout', ...STEPS] : STEPS);
  const notes: string[] = [];

  let checkout: Awaited<ReturnType<Activities['auditCheckout']>> | undefined;
  if (remote) {
    checkout = await progress.step(
      'checkout',
      () => acts.auditCheckout({ repo: remote, ...(input.ref ? { ref: input.ref } : {}) }),
      (c) => `${c.repo}@${c.commitSha.slice(0, 12)}${c.fullRef ? ` (${c.fullRef})` : ''}, fetched at depth 1`,
    );
  }
  const target = checkout ? { repo: checkout.repo, commitSha: checkout.commitSha } : { path: input.path as string };
  const folder = checkout ? checkout.dir : (input.path as string);

  const analyse = (step: Analysis['step']) =>
    acts.auditAnalyse({
      target,
      step,
      allowlistFile: input.allowlistFile,
      baselineFile: input.baselineFile,
      maxFiles: input.maxFiles,
      maxResults: 1000,
    });
  const describe = (a: Analysis) => {
    const ran = a.tools.filter((t) => t.status === 'ran').map((t) => t.info.name);
    const open = a.results.filter((r) => !r.suppression).length;
    return `${open} finding${open === 1 ? '' : 's'} in ${a.filesScanned} files (${ran.join(', ') || 'no tool ran'})`;
  };
  const secrets = await progress.step('secrets', () => analyse('secrets'), describe);
  const risky = await progress.step('risky-code', () => analyse('risky-code'), describe);
  const linters = await progress.step(
    'linters',
    () => analyse('linters'),
    (a) => (a.tools.length ? describe(a) : 'no linter configured (ESLint, Ruff)'),
  );
  const analyses: Analysis[] = [secrets, risky, linters];

  let dependencies: SecurityAuditResult['dependencies'];
  if (!input.npmAudit) {
    dependencies = { outcome: 'skipped', reason: 'dependency audit skipped: npmAudit is false' };
    await progress.skip('dependencies', dependencies.reason);
  } else {
    await progress.start('dependencies');
    try {
      const deps = await analyse('dependencies');
      analyses.push(deps);
      const run = deps.tools[0];
      dependencies =
        run?.status === 'ran' && deps.lockfile
          ? { outcome: 'ok', lockfile: deps.lockfile, vulnerabilities: deps.total, findings: deps.results.slice(0, 20) }
          : { outcome: 'skipped', reason: run?.reason ?? 'dependency audit skipped' };
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
  for (const a of analyses) notes.push(...a.notes.filter((n) => !notes.includes(n)));

  const merged = mergeAnalyses(analyses);
  const open = merged.filter((r) => !r.suppression);
  const accepted = merged.length - open.length;
  let findings: TriagedFinding[] = open;

  let triage: SecurityAuditResult['triage'];
  const verdicts: Record<string, string> = {};
  const limit = input.triageLimit;
  if (!input.triage) {
    triage = { outcome: 'skipped', reason: 'triage is false' };
    await progress.skip('ai-triage', triage.reason);
  } else if (open.length === 0) {
    triage = { outcome: 'skipped', reason: 'no findings to triage' };
    await progress.skip('ai-triage', triage.reason);
  } else {
    await progress.start('ai-triage', `the ${Math.min(limit, open.length)} most severe findings`);
    const head = open.slice(0, limit);
    try {
      const r = await ai.auditTriage({ path: folder, findings: head, ...(input.route ? { route: input.route } : {}) });
      if (r.outcome === 'ok') {
        for (const v of r.verdicts) verdicts[head[v.index].fingerprint] = `${v.verdict}${v.note ? `: ${v.note}` : ''}`;
        findings = open.map((f) => (verdicts[f.fingerprint] ? { ...f, triage: verdicts[f.fingerprint] } : f));
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

  const counts = countBySeverity(open);
  const total = open.length;
  const countText = SEVERITIES.filter((s) => counts[s] > 0)
    .map((s) => `${counts[s]} ${s}`)
    .join(', ');
  const classified = open.filter((f) => f.classification).length;
  const summary =
    `${total === 0 ? 'No findings' : `${total} findings (${countText})`}: ` +
    `${secrets.results.filter((r) => !r.suppression).length} secrets, ` +
    `${risky.results.filter((r) => !r.suppression).length} risky code, ` +
    `${linters.results.filter((r) => !r.suppression).length} lint, ` +
    (dependencies.outcome === 'ok'
      ? `${dependencies.vulnerabilities} vulnerable dependencies`
      : 'dependencies not audited') +
    ` in ${secrets.filesScanned} files` +
    (classified ? `; ${classified} in tests or examples (at most low)` : '') +
    (accepted ? `; ${accepted} accepted in the baseline` : '') +
    '.';

  const report = await progress.step(
    'report',
    () =>
      acts.auditWriteMergedReport({
        target,
        id: workflowInfo().workflowId,
        reportDir: input.reportDir,
        ...(checkout ? { webUrl: checkout.webUrl } : {}),
        analyses,
        triage: verdicts,
        notes,
        summary,
      }),
    (r) => `SARIF ${r.sarif} (${r.results} results, ${r.suppressed} accepted)`,
  );

  let codeScanning: SecurityAuditResult['codeScanning'];
  const cs = input.codeScanning;
  if (!cs) {
    await progress.skip('code-scanning', 'codeScanning not requested');
  } else {
    const asked = cs === true ? {} : cs;
    const local = checkout ? undefined : await acts.auditLocalCommit({ path: input.path as string });
    const repo = asked.repo ?? remote;
    const commitSha = asked.commitSha ?? checkout?.commitSha ?? local?.commitSha;
    const ref = asked.ref ?? checkout?.fullRef ?? local?.fullRef;
    if (local?.dirty && !asked.commitSha) {
      notes.push(
        `the working tree has uncommitted changes: the uploaded results describe them, not only commit ${commitSha?.slice(0, 12)}`,
      );
    }
    if (!repo || !commitSha || !ref) {
      const reason = !commitSha
        ? 'no commit to upload for: the repository has no commits (give codeScanning.commitSha)'
        : 'no ref to upload for: the audited commit is not on a branch or tag (give codeScanning.ref, e.g. refs/heads/main)';
      codeScanning = { outcome: 'skipped', reason };
      await progress.skip('code-scanning', reason);
    } else {
      codeScanning = {
        ...(await progress.step(
          'code-scanning',
          () =>
            posts.githubUploadSarif({
              repo,
              commitSha,
              ref,
              sarifPath: report.sarif,
              toolName: CODE_SCANNING_TOOL,
              category: CODE_SCANNING_CATEGORY,
              since: workflowInfo().startTime.getTime(),
            }),
          (r) =>
            r.outcome === 'skipped'
              ? r.reason
              : `${r.outcome === 'reused' ? 'already uploaded' : 'uploaded'} to ${repo}@${commitSha.slice(0, 12)} (${ref}), processing ${r.processingStatus}`,
        )),
        repo,
        commitSha,
        ref,
      };
      if (codeScanning.outcome === 'skipped') notes.push(`code scanning upload skipped: ${codeScanning.reason}`);
    }
  }

  let issue: SecurityAuditResult['issue'];
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

  if (checkout) {
    // Best effort: a checkout left behind on another worker is only disk space.
    await acts.auditRemoveCheckout({ repo: checkout.repo, commitSha: checkout.commitSha }).catch(() => undefined);
  }

  const tools = analyses.flatMap((a) => a.tools);
  return {
    sarif: report.sarif,
    markdown: report.markdown,
    summary,
    counts,
    totalFindings: total,
    accepted,
    findings: findings.slice(0, 50),
    tools: tools.map((t) => ({
      name: t.info.name,
      ...(t.info.version ? { version: t.info.version } : {}),
      status: t.status,
      ...(t.reason ? { reason: t.reason } : {}),
    })),
    target: checkout
      ? { repo: checkout.repo, ...(input.ref ? { ref: input.ref } : {}), commitSha: checkout.commitSha }
      : { path: input.path as string },
    secrets: { total: secrets.total, filesScanned: secrets.filesScanned },
    risky: { total: risky.total, filesScanned: risky.filesScanned },
    dependencies,
    triage,
    ...(codeScanning ? { codeScanning } : {}),
    ...(issue ? { issue } : {}),
    notes,
    progress: progress.view(),
  };
}
