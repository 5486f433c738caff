// The catalog entry of securityAudit: a repository's secrets, risky code, lint and dependencies.
import { securityAuditInput } from '../../workflows/contract/inputs/security-audit';
import type { WorkflowTypeDef } from './types';

export const securityAuditDef: WorkflowTypeDef<'securityAudit'> = {
  type: 'securityAudit',
  description:
    'Audits a local repository or a GitHub ref: gitleaks, Semgrep, its linters, npm audit, optional AI triage; writes one merged SARIF 2.1.0 log, optionally uploads it to code scanning and opens an issue',
  input: securityAuditInput,
};
