// deployPrep: build, test (a child testRun), changelog from the conventional commits since the last
// version tag, the next semantic version, AI release notes, a human approval gate, then the
// configured release action (a GitHub release and/or a webhook), each at most once.
import {
  ActivityCancellationType,
  executeChild,
  isCancellation,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { BuildResult, ReleasePlan, WebhookReleaseResult } from '../../activities/dev/deploy-prep';
import type { PostedRelease } from '../../activities/github/types';
import { ai } from '../ai';
import type { ApprovalOutcome } from '../contract/session';
import { Progress } from './common';
import { deployPrepInput, type DeployPrepInput } from '../contract/inputs/deploy-prep';
import { parseInput } from '../contract/inputs/parse';
import { testRun, type TestRunResult } from './test-run';

export type DeployPrepOutcome =
  'released' | 'ready' | 'rejected' | 'build-failed' | 'tests-failed' | 'nothing-to-release';

export interface DeployPrepResult {
  outcome: DeployPrepOutcome;
  /** One line on why the run ended where it did. */
  reason: string;
  version?: string;
  tag?: string;
  previousTag?: string;
  bump?: string;
  head?: string;
  commits?: { sha: string; subject: string }[];
  changelog?: string;
  notes?: string;
  notesSource?: 'ai' | 'changelog';
  notesSkipped?: string;
  build?: BuildResult;
  tests?: TestRunResult & { workflowId: string };
  approval?: ApprovalOutcome;
  release?: { github?: PostedRelease; webhook?: WebhookReleaseResult };
}

const STEPS = ['build', 'test', 'changelog', 'version', 'release notes', 'approval', 'release'];

const git = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: ['InvalidInput', 'GitFailed'] },
});
// GitHub's and the webhook's own failures are classified retryable or not by the activities.
const publish = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 8 },
});

export async function deployPrep(raw: DeployPrepInput): Promise<DeployPrepResult> {
  const progress = new Progress('deployPrep', STEPS);
  // The contract's schema, parsed here as well (see contract/inputs/parse.ts): defaults applied;
  // a bad input is an InvalidRequest failure before anything runs.
  const input = parseInput('deployPrep', deployPrepInput, raw);
  const info = workflowInfo();
  const rest = async (from: string, reason: string) => {
    for (const s of STEPS.slice(STEPS.indexOf(from))) await progress.skip(s, reason);
  };

  // Build.
  let build: BuildResult | undefined;
  if (input.build) {
    const timeoutMs = input.buildTimeoutMs;
    const builder = proxyActivities<Activities>({
      startToCloseTimeout: timeoutMs + 60_000,
      heartbeatTimeout: '20 seconds',
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
      retry: { maximumAttempts: 2, nonRetryableErrorTypes: ['InvalidInput'] },
    });
    await progress.start('build');
    build = await builder.runBuild({ path: input.path, command: input.build, timeoutMs });
    if (!build.ok) {
      const reason = build.timedOut
        ? `the build timed out after ${timeoutMs} ms`
        : `the build exited with code ${build.exitCode}`;
      await progress.fail('build', reason);
      await rest('test', 'the build failed');
      return { outcome: 'build-failed', reason, build };
    }
    await progress.done('build', `exit 0 in ${build.durationMs} ms`);
  } else {
    await progress.skip('build', 'no build command');
  }

  // Tests, as a child testRun (its own progress and history; cancelled with this run).
  let tests: DeployPrepResult['tests'];
  if (input.test) {
    const workflowId = `${info.workflowId}-test`;
    await progress.start('test', workflowId);
    const r = await executeChild(testRun, { workflowId, args: [{ ...input.test, path: input.path }] });
    tests = { ...r, workflowId };
    const counts = `${r.passed} passed, ${r.failed} failed, ${r.flaky.length} flaky, ${r.skipped} skipped`;
    if (!r.ok) {
      const reason = `tests failed: ${counts}${r.failures[0] ? `; first: ${r.failures[0].name}` : ''}`;
      await progress.fail('test', reason);
      await rest('changelog', 'the tests failed');
      return { outcome: 'tests-failed', reason, build, tests };
    }
    await progress.done('test', counts);
  } else {
    await progress.skip('test', 'no test command');
  }

  // Changelog and version.
  await progress.start('changelog');
  const plan: ReleasePlan = await git.releasePlan({
    path: input.path,
    tagPrefix: input.tagPrefix,
    version: input.version,
    date: new Date().toISOString().slice(0, 10),
  });
  await progress.done('changelog', `${plan.commits.length} commit(s) since ${plan.previousTag ?? 'the first commit'}`);
  const base = {
    version: plan.nextVersion,
    tag: plan.tag,
    ...(plan.previousTag ? { previousTag: plan.previousTag } : {}),
    ...(plan.bump ? { bump: plan.bump } : {}),
    head: plan.head,
    commits: plan.commits.map((c) => ({ sha: c.sha, subject: c.subject })),
    changelog: plan.changelog,
    build,
    tests,
  };
  if (plan.commits.length === 0 && input.version === undefined) {
    const reason = `no commits since ${plan.previousTag ?? 'the start'}: nothing to release`;
    await rest('version', reason);
    return { ...base, outcome: 'nothing-to-release', reason };
  }
  await progress.done(
    'version',
    plan.previousTag
      ? `${plan.previousVersion} → ${plan.nextVersion} (${plan.bump ?? 'given'})`
      : `${plan.nextVersion} (first release)`,
  );

  // Release notes: AI's summary over the changelog, or the changelog alone.
  await progress.start('release notes');
  const written = input.aiNotes ? await aiNotes(plan) : { skipped: 'aiNotes is off' };
  const notes = 'text' in written ? `${written.text.trim()}\n\n${plan.changelog}` : plan.changelog;
  const notesSource = 'text' in written ? ('ai' as const) : ('changelog' as const);
  if ('text' in written) await progress.done('release notes', 'written by AI');
  else await progress.skip('release notes', `the changelog is the notes (${written.skipped})`);
  const ready = { ...base, notes, notesSource, ...('skipped' in written ? { notesSkipped: written.skipped } : {}) };

  const github = input.release?.github;
  const webhook = input.release?.webhook;
  if (input.dryRun) {
    await rest('approval', 'dry run');
    return { ...ready, outcome: 'ready', reason: `dry run: ${plan.tag} is ready, nothing was released` };
  }
  if (!github && !webhook) {
    await rest('approval', 'no release action configured');
    return { ...ready, outcome: 'ready', reason: `${plan.tag} is ready; no release action is configured` };
  }

  // The approval gate: through the parent session when there is one, else on this workflow.
  const targets = [github ? `GitHub release in ${github.repo}` : '', webhook ? 'webhook' : ''].filter(Boolean);
  await progress.start('approval');
  const approval = await progress.approval({
    title: `Release ${plan.tag} (${targets.join(' and ')})`,
    details: notes.length > 4_000 ? `${notes.slice(0, 4_000)}…` : notes,
    timeoutMs: input.approval.timeoutMs,
    defaultOutcome: input.approval.defaultOutcome,
  });
  const by = `${approval.decidedBy ?? 'someone'}${approval.comment ? `: ${approval.comment}` : ''}`;
  if (approval.outcome !== 'approved') {
    await progress.fail('approval', `rejected by ${by}`);
    await progress.skip('release', 'the release was not approved');
    return { ...ready, approval, outcome: 'rejected', reason: `the release of ${plan.tag} was rejected by ${by}` };
  }
  await progress.done('approval', `approved by ${by}`);

  // The release itself, at most once each (a marker on GitHub, an Idempotency-Key for the webhook).
  await progress.start('release');
  const release: DeployPrepResult['release'] = {};
  if (github) {
    release.github = await publish.githubCreateRelease({
      repo: github.repo,
      tag: plan.tag,
      name: plan.tag,
      body: notes,
      targetCommitish: plan.head,
      draft: github.draft,
      prerelease: github.prerelease ?? plan.nextVersion.includes('-'),
      step: 'release',
    });
  }
  if (webhook) {
    release.webhook = await publish.postReleaseWebhook({
      url: webhook.url,
      idempotencyKey: info.workflowId,
      payload: {
        event: 'release',
        workflowId: info.workflowId,
        version: plan.nextVersion,
        tag: plan.tag,
        previousTag: plan.previousTag ?? null,
        commit: plan.head,
        notes,
        changelog: plan.changelog,
        commits: base.commits,
        ...(release.github ? { githubRelease: release.github.url } : {}),
      },
    });
  }
  const where = [release.github ? release.github.url : '', release.webhook ? `webhook ${release.webhook.status}` : '']
    .filter(Boolean)
    .join(', ');
  await progress.done('release', where);
  return { ...ready, approval, release, outcome: 'released', reason: `${plan.tag} released (${where})` };
}

async function aiNotes(plan: ReleasePlan): Promise<{ text: string } | { skipped: string }> {
  try {
    const reply = await ai.callModel({
      task: 'summarize',
      optional: true,
      maxTokens: 1_000,
      system:
        'You write release notes for software users: a short paragraph on what this release brings and, if there are breaking changes, what users must do. Markdown, no heading, no commit hashes, no invented facts.',
      messages: [
        {
          role: 'user',
          content: `Release ${plan.tag} (previous: ${plan.previousTag ?? 'none'}).\n\nChangelog:\n\n${plan.changelog}`,
        },
      ],
    });
    if (reply.outcome === 'skipped') return { skipped: reply.reason };
    if (!reply.text.trim()) return { skipped: 'the model returned no text' };
    return { text: reply.text };
  } catch (err) {
    if (isCancellation(err)) throw err;
    return { skipped: `AI release notes failed: ${(err as Error).message}` };
  }
}
