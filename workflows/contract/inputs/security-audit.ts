// securityAudit's input, validated with errors that say what to fix. Each default is written here, once.
import { z } from 'zod';
import { REPO, isAbsolutePath } from './fields';
import { route } from '../routes';

export const securityAuditInput = z
  .object({
    path: z
      .string({ error: 'path is required: the absolute path of a local repository' })
      .refine(isAbsolutePath, 'path must be an absolute path to a local repository, e.g. "/home/me/project"')
      .describe('Absolute path of the repository whose working tree is audited'),
    allowlistFile: z
      .string()
      .refine(
        (p) => !isAbsolutePath(p) && !p.split(/[\\/]/).includes('..'),
        'allowlistFile must be a path inside the repository, e.g. ".claude-flow/secrets-allowlist"',
      )
      .optional()
      .describe('Repository-relative secrets allowlist (default .claude-flow/secrets-allowlist)'),
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
  })
  .strict();

/** What a caller may send. */
export type SecurityAuditInput = z.input<typeof securityAuditInput>;
/** The parsed input, defaults applied: what the workflow runs with. */
export type SecurityAuditOptions = z.output<typeof securityAuditInput>;
