// The catalog entry of securityAudit: its public input, validated with errors that say what to fix.
import path from 'node:path';
import { z } from 'zod';
import { REPO } from './fields';
import type { WorkflowTypeDef } from './types';

export const securityAuditInput = z
  .object({
    path: z
      .string({ error: 'path is required: the absolute path of a local repository' })
      .refine((p) => path.isAbsolute(p), 'path must be an absolute path to a local repository, e.g. "/home/me/project"')
      .describe('Absolute path of the repository whose working tree is audited'),
    allowlistFile: z
      .string()
      .refine(
        (p) => !path.isAbsolute(p) && !p.split(/[\\/]/).includes('..'),
        'allowlistFile must be a path inside the repository, e.g. ".claude-flow/secrets-allowlist"',
      )
      .optional()
      .describe('Repository-relative secrets allowlist (default .claude-flow/secrets-allowlist)'),
    npmAudit: z.boolean().default(true).describe('Run `npm audit` when the repository has a package-lock.json'),
    triage: z.boolean().default(true).describe('Ask the AI (review route) which of the most severe findings are real'),
    triageLimit: z.number().int().min(1).max(100).default(30).describe('Findings sent to AI triage, most severe first'),
    route: z
      .array(
        z.string().regex(/^(anthropic|openai|auggie)(:.+)?$/, 'each route entry is "provider" or "provider:model"'),
      )
      .min(1)
      .max(5)
      .optional()
      .describe('Providers for the triage instead of the configured "review" route'),
    reportDir: z
      .string()
      .refine((p) => path.isAbsolute(p), 'reportDir must be an absolute path')
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

export const securityAuditDef: WorkflowTypeDef = {
  type: 'securityAudit',
  description:
    'Audits a local repository: secrets, risky code, npm audit, optional AI triage; writes SARIF 2.1.0, optionally opens an issue',
  input: securityAuditInput,
};
