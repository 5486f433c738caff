// The catalog entry of codeReview: its input (the contract's schema) and how a GitHub pull_request
// delivery becomes one.
import { codeReviewInput } from '../../workflows/contract/inputs/code-review';
import type { WorkflowTypeDef } from './types';

const REVIEWED_ACTIONS = ['opened', 'synchronize', 'reopened', 'ready_for_review'];

export const codeReviewDef: WorkflowTypeDef<'codeReview'> = {
  type: 'codeReview',
  description:
    'Reviews a GitHub pull request, a local diff or uncommitted changes: static checks, linters, AI per chunk; posts one review (with suggested fixes) or writes a report',
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
