// The codeReview activities: collect the diff (descriptors only go back to the workflow), static
// checks, the repository's linter, one AI review per chunk (re-reading its own text), and the
// outputs: one GitHub review, or a Markdown + JSON report, and a summary in memory `code/`.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import type { Finding } from '../../../workflows/contract/findings';
import { createAiActivities } from '../../ai';
import type { ActivityDeps } from '../../deps';
import { createGithubActivities } from '../../github';
import { git } from '../../session/git';
import { scanRisky } from '../checks/risky';
import { DEFAULT_ALLOWLIST_FILE, emptyAllowlist, parseAllowlist, scanSecrets } from '../checks/secrets';
import { REVIEW_SYSTEM_PROMPT, parseReview, reviewPrompt } from './ai-review';
import { addedLines, chunkDiff, commentableLines, renderChunk } from './diff';
import { lintLocal } from './lint/index';
import { commentBody, markdownReport, reviewBody } from './report';
import { sizeAndComplexity } from './signals';
import { badInput, readAtHead, readDiff, resolveLocal, workingTreeTree } from './source';
import type {
  ChunkRef,
  ChunkReview,
  CollectedDiff,
  CollectInput,
  DiffSource,
  LintResult,
  PublishInput,
  PublishResult,
  ReportInput,
  ReviewSummary,
} from './types';

export type * from './types';

const MAX_STATIC_FINDINGS = 300;

/** The memory entry a review's summary lives in: one per pull request, per local repository and head, or per working tree. */
export function memoryKeyFor(source: DiffSource): string {
  if (source.kind === 'pr') return `reviews/github/${source.repo}/pr-${source.pull}`;
  const digest = createHash('sha256').update(source.path).digest('hex').slice(0, 8);
  // A working tree's snapshot is new each time: its reviews share one entry, updated by each rerun.
  const at = source.workingTree ? 'working-tree' : source.head.slice(0, 12);
  return `reviews/local/${path.basename(source.path)}-${digest}/${at}`;
}

function heartbeating<T>(body: () => Promise<T>): Promise<T> {
  const ctx = Context.current();
  const beat = setInterval(() => ctx.heartbeat(), 2_000);
  return body().finally(() => clearInterval(beat));
}

export function createReviewActivities(deps: ActivityDeps) {
  const github = createGithubActivities(deps);
  const ai = createAiActivities(deps);

  return {
    /** Resolves the source to commits, reads the diff and plans the AI chunks. */
    async reviewCollect(input: CollectInput): Promise<CollectedDiff> {
      let source: DiffSource;
      let title: string;
      let url: string | undefined;
      const notes: string[] = [];
      if (input.repo !== undefined && input.pullRequest !== undefined) {
        const pr = await github.githubGetPullRequest({ repo: input.repo, pull: input.pullRequest });
        const checkout = input.path === undefined ? undefined : (await resolveLocal({ path: input.path })).repo;
        source = {
          kind: 'pr',
          repo: input.repo,
          pull: pr.number,
          headSha: pr.head.sha,
          baseSha: pr.base.sha,
          ...(checkout ? { checkout } : {}),
        };
        title = `${input.repo}#${pr.number}: ${pr.title}`;
        url = pr.url;
      } else if (input.path !== undefined) {
        const r = await resolveLocal({
          path: input.path,
          base: input.base,
          head: input.head,
          workingTree: input.workingTree,
        });
        source = {
          kind: 'local',
          path: r.repo,
          base: r.base,
          head: r.head,
          ...(r.workingTree ? { workingTree: true } : {}),
        };
        if (r.workingTree) {
          title = `${path.basename(r.repo)} working tree on ${r.base.slice(0, 8)} (base: ${r.how}): uncommitted changes`;
        } else {
          const subject = await git(r.repo, ['log', '-1', '--format=%s', r.head]);
          title = `${path.basename(r.repo)} ${r.base.slice(0, 8)}..${r.head.slice(0, 8)} (base: ${r.how}): ${subject}`;
        }
      } else {
        throw badInput('give either {repo, pullRequest} (a GitHub pull request) or {path} (a local repository)');
      }
      const all = await heartbeating(() => readDiff(source, github));
      const files = all.slice(0, input.maxFiles);
      const { chunks, leftOut } = chunkDiff(files, input.chunkTokens, input.maxChunks);
      if (source.kind === 'local' && source.workingTree && all.length === 0) {
        notes.push(`the working tree has no uncommitted changes against ${source.base.slice(0, 8)}`);
      }
      const tooLarge = files.filter((f) => f.skipped);
      if (tooLarge.length > 0) {
        notes.push(
          `${tooLarge.length} file(s) listed but not reviewed, their diffs too large (static checks, linters and AI skip them): ${tooLarge
            .slice(0, 10)
            .map((f) => `${f.path} (+${f.additions} −${f.deletions}: ${f.skipped})`)
            .join(', ')}${tooLarge.length > 10 ? `, and ${tooLarge.length - 10} more` : ''}`,
        );
      }
      return {
        source,
        title,
        ...(url ? { url } : {}),
        files: files.map((f) => ({
          path: f.path,
          status: f.status,
          additions: f.additions,
          deletions: f.deletions,
          binary: f.binary,
          ...(f.skipped ? { skipped: f.skipped } : {}),
        })),
        filesOmitted: all.length - files.length,
        chunks,
        notForAi: leftOut.slice(0, 100),
        totals: {
          files: all.length,
          additions: all.reduce((n, f) => n + f.additions, 0),
          deletions: all.reduce((n, f) => n + f.deletions, 0),
          hunks: all.reduce((n, f) => n + f.hunks.length, 0),
        },
        ...(notes.length > 0 ? { notes } : {}),
      };
    },

    /** Secrets (with the repository's allowlist), risky patterns and size/complexity signals on the added lines. */
    async reviewStaticChecks(input: {
      source: DiffSource;
      maxFiles: number;
    }): Promise<{ findings: Finding[]; notes: string[] }> {
      const files = (await readDiff(input.source, github)).slice(0, input.maxFiles);
      const allowText = await readAtHead(input.source, DEFAULT_ALLOWLIST_FILE, github);
      const allow = allowText === undefined ? emptyAllowlist() : parseAllowlist(allowText);
      const findings: Finding[] = [];
      for (const f of files) {
        if (f.binary || f.status === 'removed') continue;
        const lines = addedLines(f);
        findings.push(...scanSecrets(f.path, lines, allow), ...scanRisky(f.path, lines));
      }
      findings.push(...sizeAndComplexity(files));
      const notes = allow.problems.map((p) => `allowlist: ${p}`);
      if (findings.length > MAX_STATIC_FINDINGS) {
        notes.push(`static checks found ${findings.length} findings; the first ${MAX_STATIC_FINDINGS} are kept`);
      }
      return { findings: findings.slice(0, MAX_STATIC_FINDINGS), notes };
    },

    /**
     * The linters of the changed files' languages, in the working tree: a local review's repository,
     * or a pull request's checkout (`path`). Only when that tree holds the reviewed head.
     */
    async reviewLint(input: { source: DiffSource; maxFiles: number }): Promise<LintResult> {
      const { source } = input;
      if (source.kind === 'pr' && !source.checkout) {
        return {
          outcome: 'skipped',
          reason:
            "pull request reviews read files through the GitHub API; there is no checkout to lint (give path: a checkout of the pull request's head)",
        };
      }
      const repo = source.kind === 'pr' ? (source.checkout as string) : source.path;
      const head = source.kind === 'pr' ? source.headSha : source.head;
      const files = (await readDiff(source, github)).slice(0, input.maxFiles);
      let treeDiffers: string | undefined;
      if (source.kind === 'local' && source.workingTree) {
        // The snapshot is the working tree as it was: it still is, or the lines would be wrong.
        const now = await workingTreeTree(
          repo,
          await git(repo, ['rev-parse', '--verify', '--quiet', 'HEAD']).catch(() => undefined),
        );
        if (now !== (await git(repo, ['rev-parse', `${head}^{tree}`])))
          treeDiffers = 'the working tree changed since the review began';
      } else if ((await git(repo, ['rev-parse', 'HEAD'])) !== head) {
        treeDiffers =
          source.kind === 'pr'
            ? `the checkout is not at the pull request's head ${head.slice(0, 12)}`
            : 'the reviewed head is not checked out';
      } else {
        const paths = files.filter((f) => f.status !== 'removed').map((f) => f.path);
        const dirty = paths.length ? await git(repo, ['status', '--porcelain', '--', ...paths.slice(0, 500)]) : '';
        if (dirty) treeDiffers = `changed files have uncommitted edits (${dirty.split('\n')[0].slice(3)})`;
      }
      return heartbeating(() => lintLocal(repo, treeDiffers, files));
    },

    /**
     * One chunk reviewed by the model (task `review`, through the router: attempt N uses the Nth
     * provider of the chain). No provider: skipped with the reason. A reply that is not findings: unparsable.
     */
    async reviewChunk(input: {
      source: DiffSource;
      chunk: ChunkRef;
      chunks: number;
      title: string;
      chunkTokens: number;
      route?: string[];
    }): Promise<ChunkReview> {
      const files = await readDiff(input.source, github);
      const { text } = renderChunk(files, input.chunk, input.chunkTokens);
      const lines = new Map<string, Set<number>>();
      const byPath = new Map(files.map((f) => [f.path, f]));
      for (const part of input.chunk.parts) {
        const f = byPath.get(part.path);
        if (!f) continue;
        const set = lines.get(part.path) ?? new Set<number>();
        for (const n of commentableLines({ ...f, hunks: f.hunks.slice(part.from, part.to) })) set.add(n);
        lines.set(part.path, set);
      }
      const result = await ai.callModel({
        task: 'review',
        system: REVIEW_SYSTEM_PROMPT,
        messages: [{ role: 'user', content: reviewPrompt(input.title, text, input.chunk.id, input.chunks) }],
        maxTokens: 2048,
        temperature: 0,
        optional: true,
        ...(input.route ? { route: input.route } : {}),
        ...(input.source.kind === 'local' ? { workspace: input.source.path } : {}),
      });
      if (result.outcome === 'skipped') return { outcome: 'skipped', chunk: input.chunk.id, reason: result.reason };
      const parsed = parseReview(result.text, lines);
      if (typeof parsed === 'string') {
        return {
          outcome: 'unparsable',
          chunk: input.chunk.id,
          reason: `${result.provider}/${result.model}: ${parsed}`,
        };
      }
      return {
        outcome: 'ok',
        chunk: input.chunk.id,
        findings: parsed.findings,
        dropped: parsed.dropped,
        provider: result.provider,
        model: result.model,
      };
    },

    /**
     * Posts the one review of this run: findings on lines in the diff's right side become line
     * comments, the rest go in the body. The `step` marker makes a retry (or a new worker after a
     * crash) find the review an earlier attempt posted instead of posting another.
     */
    async reviewPublish(input: PublishInput): Promise<PublishResult> {
      const { source, summary } = input;
      const files = await readDiff(source, github);
      const commentable = new Map(files.map((f) => [f.path, commentableLines(f)]));
      const inline: Finding[] = [];
      const elsewhere: Finding[] = [];
      for (const f of summary.findings) {
        const onDiff = f.path !== undefined && f.line !== undefined && commentable.get(f.path)?.has(f.line);
        if (onDiff && inline.length < input.maxComments) inline.push(f);
        else elsewhere.push(f);
      }
      const comment = (f: Finding) => {
        const lines = commentable.get(f.path as string) as Set<number>;
        const s = f.suggestion;
        // A suggestion GitHub can apply: every line it replaces is in the diff, the finding's among them.
        const applicable =
          s !== undefined &&
          s.line <= (f.line as number) &&
          (f.line as number) <= s.endLine &&
          Array.from({ length: s.endLine - s.line + 1 }, (_, i) => s.line + i).every((n) => lines.has(n));
        return {
          path: f.path as string,
          line: applicable ? s.endLine : (f.line as number),
          ...(applicable && s.endLine > s.line ? { startLine: s.line } : {}),
          side: 'RIGHT' as const,
          body: commentBody(f, applicable ? 'applicable' : s ? 'text' : 'none'),
        };
      };
      const posted = await heartbeating(() =>
        github.githubPostReview({
          repo: source.repo,
          pull: source.pull,
          step: input.step,
          commitId: source.headSha,
          event: 'COMMENT',
          body: reviewBody(summary, elsewhere, inline.length),
          comments: inline.map(comment),
        }),
      );
      return { reviewId: posted.id, url: posted.url, reused: posted.reused, lineComments: inline.length };
    },

    /** Writes `review-<id>.md` and `review-<id>.json` (written whole, then renamed). */
    async reviewWriteReport(input: ReportInput): Promise<{ markdown: string; json: string }> {
      const dir = input.reportDir ?? path.join(input.source.path, '.claude-flow', 'reports');
      fs.mkdirSync(dir, { recursive: true });
      const base = path.join(dir, `review-${input.id.replace(/[^A-Za-z0-9._-]+/g, '_')}`);
      const generatedAt = new Date().toISOString();
      const range = `${input.source.base.slice(0, 12)}..${input.source.head.slice(0, 12)}`;
      const write = (file: string, content: string) => {
        const tmp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, content);
        fs.renameSync(tmp, file);
      };
      const json = {
        version: 1,
        title: input.summary.title,
        repository: input.source.path,
        base: input.source.base,
        head: input.source.head,
        generatedAt,
        counts: input.summary.counts,
        totals: input.summary.totals,
        notes: input.summary.notes,
        findings: input.summary.findings,
      };
      write(`${base}.json`, `${JSON.stringify(json, null, 2)}\n`);
      write(`${base}.md`, markdownReport(input.summary, { range, generatedAt }));
      return { markdown: `${base}.md`, json: `${base}.json` };
    },

    /** The review's summary in memory `code/`: one entry per pull request (or local repository and head), updated by reruns. */
    async reviewSaveMemory(input: {
      source: DiffSource;
      summary: ReviewSummary;
      where?: string;
    }): Promise<{ namespace: string; key: string; version: number }> {
      const info = Context.current().info.workflowExecution;
      const key = memoryKeyFor(input.source);
      const s = input.summary;
      const entry = await deps.memory.set({
        namespace: 'code/',
        key,
        value: {
          kind: 'code-review',
          title: s.title,
          source: input.source,
          counts: s.counts,
          totals: s.totals,
          notes: s.notes,
          top: s.findings.slice(0, 25).map((f) => ({
            rule: f.rule,
            severity: f.severity,
            path: f.path,
            line: f.line,
            source: f.source,
            message: f.message.slice(0, 300),
          })),
          where: input.where,
          workflowId: info?.workflowId,
          reviewedAt: new Date().toISOString(),
        },
        tags: [
          'code-review',
          input.source.kind === 'pr' ? `repo:${input.source.repo}` : `local:${path.basename(input.source.path)}`,
        ],
        metadata: { findings: s.findings.length, ...s.counts },
        provenance: { workflowId: info?.workflowId },
      });
      return { namespace: entry.namespace, key: entry.key, version: entry.version };
    },
  };
}
