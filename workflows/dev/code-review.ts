// codeReview: a GitHub pull request, or a local repository's base..head (or its working tree's
// uncommitted changes). Collect the diff (an activity; only chunk descriptors come back), static
// checks, the linters of the changed files' languages, AI review of each chunk in parallel with
// bounded concurrency, merge and dedupe, then one GitHub review (line comments on the diff's right
// side, linters' fixes as suggestions) or a Markdown + JSON report, and a summary in memory `code/`.
import { ActivityFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { ChunkReview, CollectedDiff, PublishResult } from '../../activities/dev/code-review/types';
import { ai } from '../ai';
import { posts } from './proxies';
import { Progress } from './common';
import { countBySeverity, mergeFindings } from '../contract/findings';
import type { WorkflowProgress } from '../contract/runs';
import type { Finding, Severity } from '../contract/findings';
import { codeReviewInput, type CodeReviewInput } from '../contract/inputs/code-review';
import { parseInput } from '../contract/inputs/parse';

export interface CodeReviewResult {
  mode: 'pr' | 'local';
  title: string;
  url?: string;
  counts: Record<Severity, number>;
  totalFindings: number;
  /** The most severe findings (at most 100; reports and the review hold them all). */
  findings: Finding[];
  notes: string[];
  ai: { chunks: number; reviewed: number; skipped?: string; unparsable: number; failed: number; findings: number };
  review?: PublishResult;
  report?: { markdown: string; json: string };
  memory?: { namespace: string; key: string; version: number };
  progress: WorkflowProgress;
}

const STEPS = ['collect', 'static-checks', 'lint', 'ai-review', 'merge', 'publish', 'memory'];
/** The marker step of the one review a run posts. */
export const REVIEW_POST_STEP = 'code-review';

const acts = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 6 },
});

function causeOf(err: unknown): string {
  const e = err instanceof ActivityFailure && err.cause ? err.cause : (err as Error);
  return e?.message ?? String(err);
}

async function pooled<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return results;
}

export async function codeReview(raw: CodeReviewInput): Promise<CodeReviewResult> {
  const progress = new Progress('codeReview', STEPS);
  // The contract's schema, parsed here as well (see contract/inputs/parse.ts): defaults applied,
  // mode checked; a bad input is an InvalidRequest failure before anything runs.
  const input = parseInput('codeReview', codeReviewInput, raw);
  const { maxConcurrency, chunkTokens, maxChunks, maxFiles, post } = input;
  const notes: string[] = [];

  const diff: CollectedDiff = await progress.step(
    'collect',
    () =>
      acts.reviewCollect({
        repo: input.repo,
        pullRequest: input.pullRequest,
        path: input.path,
        base: input.base,
        head: input.head,
        ...(input.workingTree ? { workingTree: true } : {}),
        chunkTokens,
        maxChunks,
        maxFiles,
      }),
    (d) => `${d.totals.files} files (+${d.totals.additions} −${d.totals.deletions}), ${d.chunks.length} AI chunks`,
  );
  const { source } = diff;
  notes.push(...(diff.notes ?? []));
  if (diff.filesOmitted > 0) notes.push(`${diff.filesOmitted} files over the limit of ${maxFiles} were not reviewed`);
  if (diff.notForAi.length > 0) {
    notes.push(
      `not sent to the model: ${diff.notForAi
        .slice(0, 10)
        .map((x) => `${x.path} (${x.reason})`)
        .join(', ')}${diff.notForAi.length > 10 ? `, and ${diff.notForAi.length - 10} more` : ''}`,
    );
  }

  const statics = await progress.step(
    'static-checks',
    () => acts.reviewStaticChecks({ source, maxFiles }),
    (r) => `${r.findings.length} findings`,
  );
  notes.push(...statics.notes);

  await progress.start('lint');
  let lintFindings: Finding[] = [];
  try {
    const lint = await acts.reviewLint({ source, maxFiles });
    if (lint.outcome === 'skipped') {
      notes.push(`linter skipped: ${lint.reason}`);
      await progress.skip('lint', lint.reason);
    } else {
      lintFindings = lint.findings;
      for (const run of lint.runs ?? [])
        if (run.outcome === 'skipped') notes.push(`${run.linter} skipped: ${run.reason}`);
      const perLinter = (lint.runs ?? []).filter((r) => r.outcome === 'ok');
      await progress.done(
        'lint',
        perLinter.length > 1
          ? perLinter.map((r) => `${r.linter}: ${r.findings} findings in ${r.files} files`).join('; ')
          : `${lint.linter}: ${lint.findings.length} findings on changed lines in ${lint.filesLinted} files`,
      );
    }
  } catch (err) {
    notes.push(`linter failed: ${causeOf(err)}`);
    await progress.fail('lint', causeOf(err));
  }

  // AI review, chunk by chunk; with no provider the first answer says so and the rest are not asked.
  await progress.start('ai-review', `${diff.chunks.length} chunks, ${maxConcurrency} at a time`);
  let unavailable: string | undefined;
  const reviews = await pooled(
    diff.chunks,
    maxConcurrency,
    async (chunk): Promise<ChunkReview | { outcome: 'failed'; chunk: number; reason: string }> => {
      if (unavailable) return { outcome: 'skipped', chunk: chunk.id, reason: unavailable };
      try {
        const r = await ai.reviewChunk({
          source,
          chunk,
          chunks: diff.chunks.length,
          title: diff.title,
          chunkTokens,
          ...(input.route ? { route: input.route } : {}),
        });
        if (r.outcome === 'skipped') unavailable = r.reason;
        return r;
      } catch (err) {
        return { outcome: 'failed', chunk: chunk.id, reason: causeOf(err) };
      }
    },
  );
  const aiFindings = reviews.flatMap((r) => (r.outcome === 'ok' ? r.findings : []));
  const reviewed = reviews.filter((r) => r.outcome === 'ok').length;
  const unparsable = reviews.filter((r) => r.outcome === 'unparsable');
  const failed = reviews.filter((r) => r.outcome === 'failed');
  for (const r of [...unparsable, ...failed].slice(0, 5)) {
    if (r.outcome === 'unparsable' || r.outcome === 'failed')
      notes.push(`AI review of chunk ${r.chunk} ${r.outcome}: ${r.reason}`);
  }
  if (diff.chunks.length === 0) {
    await progress.skip('ai-review', 'nothing for the model to review');
  } else if (unavailable && reviewed === 0) {
    notes.push(`AI review skipped: ${unavailable}`);
    await progress.skip('ai-review', unavailable);
  } else if (reviewed === 0) {
    await progress.fail(
      'ai-review',
      `no chunk was reviewed (${unparsable.length} unparsable, ${failed.length} failed)`,
    );
  } else {
    await progress.done(
      'ai-review',
      `${reviewed}/${diff.chunks.length} chunks reviewed, ${aiFindings.length} findings` +
        (unparsable.length + failed.length ? `; ${unparsable.length} unparsable, ${failed.length} failed` : ''),
    );
  }

  const findings = await progress.step(
    'merge',
    async () => mergeFindings([statics.findings, lintFindings, aiFindings], 500),
    (f) => `${f.length} findings after merging duplicates`,
  );
  const summary = { title: diff.title, counts: countBySeverity(findings), findings, notes, totals: diff.totals };

  let review: PublishResult | undefined;
  let report: { markdown: string; json: string } | undefined;
  if (source.kind === 'pr') {
    if (post) {
      review = await progress.step(
        'publish',
        () => posts.reviewPublish({ source, summary, step: REVIEW_POST_STEP, maxComments: 50 }),
        (r) =>
          `${r.reused ? 'found the review already posted' : 'posted a review'} with ${r.lineComments} line comments: ${r.url}`,
      );
    } else {
      await progress.skip('publish', 'post is false: nothing posted to GitHub');
    }
  } else {
    report = await progress.step(
      'publish',
      () => acts.reviewWriteReport({ source, summary, reportDir: input.reportDir, id: workflowInfo().workflowId }),
      (r) => `wrote ${r.markdown} and ${r.json}`,
    );
  }

  const memory = await progress.step(
    'memory',
    () => acts.reviewSaveMemory({ source, summary, where: review?.url ?? report?.markdown }),
    (m) => `${m.namespace}${m.key} (version ${m.version})`,
  );

  return {
    mode: source.kind,
    title: diff.title,
    ...(diff.url ? { url: diff.url } : {}),
    counts: summary.counts,
    totalFindings: findings.length,
    findings: findings.slice(0, 100),
    notes,
    ai: {
      chunks: diff.chunks.length,
      reviewed,
      ...(unavailable && reviewed === 0 ? { skipped: unavailable } : {}),
      unparsable: unparsable.length,
      failed: failed.length,
      findings: aiFindings.length,
    },
    ...(review ? { review } : {}),
    ...(report ? { report } : {}),
    memory,
    progress: progress.view(),
  };
}
