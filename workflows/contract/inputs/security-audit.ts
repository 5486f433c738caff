// securityAudit's input, validated with errors that say what to fix. Each default is written here, once.
import { z } from 'zod';
import { REPO, isAbsolutePath } from './fields';
import { route } from '../routes';

export const securityAuditInput = z
  .object({
    path: z
      .string()
      .refine(isAbsolutePath, 'path must be an absolute path to a local repository, e.g. "/home/me/project"')
      .optional()
      .describe('Absolute path of the repository whose working tree is audited (or give repo)'),
    repo: z
      .string()
      .regex(REPO, 'repo must be "owner/name", e.g. "octocat/hello-world"')
      .optional()
      .describe(
        'A GitHub repository audited remotely instead of a path: `ref` is fetched (depth 1) through GITHUB_API_URL',
      ),
    ref: z
      .string()
      .min(1)
      .max(255)
      .regex(/^[^\s~^:?*[\\]+$/, 'ref must be a branch, a tag, a full ref (refs/pull/7/head) or a commit sha')
      .optional()
      .describe(
        "With repo: the branch, tag, full ref or commit sha to audit (default: the repository's default branch)",
      ),
    baselineFile: z
      .string()
      .refine(
        (p) => !isAbsolutePath(p) && !p.split(/[\\/]/).includes('..'),
        'baselineFile must be a path inside the repository, e.g. ".claude-flow/security-baseline.json"',
      )
      .optional()
      .describe(
        'Repository-relative security baseline: accepted findings and test/example paths (default .claude-flow/security-baseline.json)',
      ),
    allowlistFile: z
      .string()
      .refine(
        (p) => !isAbsolutePath(p) && !p.split(/[\\/]/).includes('..'),
        'allowlistFile must be a path inside the repository, e.g. ".claude-flow/secrets-allowlist"',
      )
      .optional()
      .describe(
        'Repository-relative secrets allowlist (default .claude-flow/secrets-allowlist; the baseline file is the newer way)',
      ),
    npmAudit: z.boolean().default(true).describe('Run `npm audit` when the repository has a package-lock.json'),
    triage: z.boolean().default(true).describe('Ask the AI (review route) which of the most severe findings are real'),
    triageLimit: z.number().int().min(1).max(100).default(30).describe('Findings sent to AI triage, most severe first'),
    route: route.optional().describe('Providers for the triage instead of the configured "review" route'),
    reportDir: z
      .string()
      .refine(isAbsolutePath, 'reportDir must be an absolute path')
      .optional()
      .describe('Where security-audit-<id>.sarif and .md go (default <path>/.claude-flow/reports)'),
    maxFiles: z.number().int().min(1).max(200_000).default(20_000).describe('Files scanned at most'),
    createIssue: z
      .object({
        repo: z
          .string()
          .regex(REPO, 'createIssue.repo must be "owner/name"')
          .describe('Repository the issue is opened in'),
        labels: z.array(z.string().min(1).max(50)).max(10).optional().describe('Labels for the issue'),
        minSeverity: z
          .enum(['critical', 'high', 'medium', 'low', 'info'])
          .default('high')
          .describe('Open the issue only when a finding is at least this severe'),
      })
      .strict()
      .optional()
      .describe('Open a GitHub issue with the summary (once per run)'),
    codeScanning: z
      .union([
        z.literal(true),
        z
          .object({
            repo: z
              .string()
              .regex(REPO, 'codeScanning.repo must be "owner/name"')
              .optional()
              .describe('Repository whose code scanning gets the results (default: repo)'),
            ref: z
              .string()
              .regex(
                /^refs\/(heads|tags|pull)\/\S+$/,
                'codeScanning.ref must be a full ref, e.g. "refs/heads/main" or "refs/pull/7/head"',
              )
              .optional()
              .describe("The ref the results belong to (default: the audited branch, or the local repository's)"),
            commitSha: z
              .string()
              .regex(/^[0-9a-f]{40}$/, 'codeScanning.commitSha must be a full 40-digit commit sha')
              .optional()
              .describe('The commit (default: the audited one, or the local HEAD)'),
          })
          .strict(),
      ])
      .optional()
      .describe('Upload the merged SARIF to GitHub code scanning for the audited commit (once per run)'),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (!v.path === !v.repo) {
      ctx.addIssue({
        code: 'custom',
        path: [v.path ? 'repo' : 'path'],
        message: v.path
          ? 'give path or repo, not both'
          : 'path is required (the absolute path of a local repository), or repo (owner/name of a GitHub repository)',
      });
    }
    if (v.ref && !v.repo)
      ctx.addIssue({ code: 'custom', path: ['ref'], message: 'ref goes with repo (a local path is audited as it is)' });
    if (v.path && v.codeScanning && (v.codeScanning === true || !v.codeScanning.repo)) {
      ctx.addIssue({
        code: 'custom',
        path: ['codeScanning'],
        message: 'codeScanning needs { repo: "owner/name" } when auditing a local path',
      });
    }
  });

/** What a caller may send. */
export type SecurityAuditInput = z.input<typeof securityAuditInput>;
/** The parsed input, defaults applied: what the workflow runs with. */
export type SecurityAuditOptions = z.output<typeof securityAuditInput>;
