// The catalog entry of securityAudit: a local repository's secrets, risky code and dependencies.
import { securityAuditInput } from '../../workflows/contract/inputs/security-audit';
import type { WorkflowTypeDef } from './types';

export const securityAuditDef: WorkflowTypeDef<'securityAudit'> = {
  type: 'securityAudit',
  description:
    'Audits a local repository: secrets, risky code, npm audit, optional AI triage; writes SARIF 2.1.0, optionally opens an issue',
  input: securityAuditInput,
};
