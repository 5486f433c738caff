// The search attributes every Claude Flow namespace carries, defined once: the workflows keep them
// current, the stack registers them (lib/temporal.ts ensureSearchAttributes), the API filters by them.
import { defineSearchAttributeKey } from '@temporalio/common';

/** A session's status (active, paused, waiting_approval, ended, failed). */
export const CfSessionStatus = defineSearchAttributeKey('CfSessionStatus', 'KEYWORD');
/** Who owns a session. */
export const CfOwner = defineSearchAttributeKey('CfOwner', 'KEYWORD');
/** A session's project: its repository or path. */
export const CfProject = defineSearchAttributeKey('CfProject', 'KEYWORD');
/** On a run a session started: the session's id. */
export const CfSessionId = defineSearchAttributeKey('CfSessionId', 'KEYWORD');

export const SEARCH_ATTRIBUTE_KEYS = [CfSessionStatus, CfOwner, CfProject, CfSessionId] as const;
