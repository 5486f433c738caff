// The catalog entry of deployPrep: build, test, changelog, version, notes, approval, release.
import { deployPrepInput } from '../../workflows/contract/inputs/deploy-prep';
import type { WorkflowTypeDef } from './types';

export const deployPrepDef: WorkflowTypeDef<'deployPrep'> = {
  type: 'deployPrep',
  description:
    'Build, test, changelog from conventional commits, next semver, AI release notes, approval, GitHub release or webhook',
  input: deployPrepInput,
};
