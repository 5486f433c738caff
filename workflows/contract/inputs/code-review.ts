// codeReview's input: a GitHub pull request ({repo, pullRequest}) or a local repository ({path}),
// validated with errors that say what to fix. Each default is written here, once.
import { z } from 'zod';
import { REPO, isAbsolutePath } from './fields';
import { route } from '../routes';

/** A git ref name or commit: no spaces, no `..`, nothing git would read as an option. */
const REF = /^(?!-)(?!.*\.\.)[^\s~^:?*[\\]+$/;

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
      .refine(isAbsolutePath, 'path must be an absolute path to a local git repository, e.g. "/home/me/project"')
      .optional()
      .describe(
        "Local mode: an absolute path inside a git repository. Pull request mode: a checkout of the pull request's head, where the linters run",
      ),
    workingTree: z
      .boolean()
      .optional()
      .describe(
        "Local mode: review the working tree's uncommitted changes (staged, unstaged and untracked files) on top of base (default: HEAD)",
      ),
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
    route: route.optional().describe('Providers for the AI review instead of the configured "review" route'),
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
      .refine(isAbsolutePath, 'reportDir must be an absolute path')
      .optional()
      .describe('Local mode: where review-<id>.md and .json are written (default: <repository>/.claude-flow/reports)'),
  })
  .strict()
  .superRefine((v, ctx) => {
    const pr = v.repo !== undefined || v.pullRequest !== undefined;
    const local = v.path !== undefined;
    if (!pr && !local) {
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
    if (pr && (v.base !== undefined || v.head !== undefined || v.reportDir !== undefined || v.workingTree)) {
      ctx.addIssue({
        code: 'custom',
        message:
          'base, head, workingTree and reportDir belong to local mode; a pull request has its own base and head (path, with a pull request, is its checkout for the linters)',
      });
    }
    if (v.workingTree && v.head !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['head'],
        message:
          'head and workingTree exclude each other: with workingTree the working tree is the head (give base to compare with)',
      });
    }
  });

/** What a caller may send. */
export type CodeReviewInput = z.input<typeof codeReviewInput>;
/** The parsed input, defaults applied: what the workflow runs with. */
export type CodeReviewOptions = z.output<typeof codeReviewInput>;
