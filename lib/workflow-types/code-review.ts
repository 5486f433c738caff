// The catalog entry of codeReview: its public input (validated here, with errors that say what to
// fix) and how a GitHub pull_request delivery becomes one.
import path from 'node:path';
import { z } from 'zod';
import { REPO } from './fields';
import type { WorkflowTypeDef } from './types';

/** A git ref name or commit: no spaces, no `..`, nothing git would read as an option. */
const REF = /^(?!-)(?!.*\.\.)[^\s~^:?*[\\]+$/;
const ROUTE = /^(anthropic|openai|auggie)(:.+)?$/;

export const codeReviewInput = z
  .object({
    repo: z
      .string()
      .regex(REPO, 'repo must be "owner/name", e.g. "octocat/hello-world"')
      .optional()
      .describe('Pull request mode: the GitHub repository, "owner/name"'),
    pullRequest: z
      .number()
      .int('pullRequest must be a whole number')
      .positive('pullRequest must be a pull request number (1 or more)')
      .optional()
      .describe('Pull request mode: the pull request number'),
    path: z
      .string()
      .refine(
        (p) => path.isAbsolute(p),
        'path must be an absolute path to a local git repository, e.g. "/home/me/project"',
      )
      .optional()
      .describe('Local mode: an absolute path inside a git repository'),
    base: z
      .string()
      .regex(REF, 'base must be a branch, tag or commit (no spaces, no "..", not starting with "-")')
      .optional()
      .describe('Local mode: the base ref (default: merge-base with the default branch, else the parent of head)'),
    head: z
      .string()
      .regex(REF, 'head must be a branch, tag or commit (no spaces, no "..", not starting with "-")')
      .optional()
      .describe('Local mode: the head ref (default: HEAD)'),
    route: z
      .array(z.string().regex(ROUTE, 'each route entry is "provider" or "provider:model" (anthropic, openai, auggie)'))
      .min(1)
      .max(5)
      .optional()
      .describe('Providers for the AI review instead of the configured "review" route'),
    maxConcurrency: z.number().int().min(1).max(16).default(4).describe('AI chunk reviews running at once'),
    chunkTokens: z
      .number()
      .int()
      .min(500)
      .max(100_000)
      .default(6000)
      .describe('Token budget of one AI review chunk (the diff is split by file and hunk)'),
    maxChunks: z.number().int().min(1).max(200).default(40).describe('AI review chunks at most; the rest are noted'),
    maxFiles: z.number().int().min(1).max(3000).default(300).describe('Changed files reviewed at most'),
    post: z.boolean().default(true).describe('Pull request mode: post the review to GitHub'),
    reportDir: z
      .string()
      .refine((p) => path.isAbsolute(p), 'reportDir must be an absolute path')
      .optional()
      .describe('Local mode: where review-<id>.md and .json are written (default: <repository>/.claude-flow/reports)'),
  })
  .strict()
  .superRefine((v, ctx) => {
    const pr = v.repo !== undefined || v.pullRequest !== undefined;
    const local = v.path !== undefined;
    if (pr && local) {
      ctx.addIssue({
        code: 'custom',
        message: 'give either {repo, pullRequest} (a pull request) or {path} (a local repository), not both',
      });
    } else if (!pr && !local) {
      ctx.addIssue({
        code: 'custom',
        message: 'give {repo, pullRequest} to review a GitHub pull request, or {path} to review a local repository',
      });
    } else if (pr && (v.repo === undefined || v.pullRequest === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [v.repo === undefined ? 'repo' : 'pullRequest'],
        message: 'pull request mode needs both repo ("owner/name") and pullRequest (its number)',
      });
    }
    if (pr && (v.base !== undefined || v.head !== undefined || v.reportDir !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'base, head and reportDir belong to local mode; a pull request has its own base and head',
      });
    }
  });

const REVIEWED_ACTIONS = ['opened', 'synchronize', 'reopened', 'ready_for_review'];

export const codeReviewDef: WorkflowTypeDef = {
  type: 'codeReview',
  description:
    'Reviews a GitHub pull request or a local diff: static checks, linter, AI per chunk; posts one review or writes a report',
  input: codeReviewInput,
  /**
   * `pull_request` opened / synchronize / reopened / ready_for_review → `{repo, pullRequest}`;
   * undefined for every other delivery (the webhook route then says codeReview does not run for it).
   * A delivery missing its repository or number yields an input that fails validation, saying which.
   */
  fromWebhook(event, action, payload) {
    if (event !== 'pull_request' || !action || !REVIEWED_ACTIONS.includes(action)) return undefined;
    const repo = (payload.repository as { full_name?: unknown } | undefined)?.full_name;
    const number = payload.number ?? (payload.pull_request as { number?: unknown } | undefined)?.number;
    return { repo, pullRequest: number };
  },
};
