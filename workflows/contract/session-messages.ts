// The session's signals, queries and updates, defined once for the workflow and every client (API,
// CLI, tests). Each takes one JSON object, so the `temporal` CLI can send them too.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  ApprovalOutcome,
  ApprovalRequest,
  CheckpointRecord,
  DecideInput,
  MessageRef,
  RequestApprovalInput,
  RollbackResult,
  RunWorkflowInput,
  SendMessageInput,
  SendMessageResult,
  SessionView,
} from './session';

export const sendMessageUpdate = defineUpdate<SendMessageResult, [SendMessageInput]>('sendMessage');
export const runWorkflowUpdate = defineUpdate<{ workflowId: string }, [RunWorkflowInput]>('runWorkflow');
export const checkpointUpdate = defineUpdate<CheckpointRecord, [{ label?: string }]>('checkpoint');
export const rollbackUpdate = defineUpdate<RollbackResult, [{ checkpointId: string }]>('rollback');
export const forkUpdate = defineUpdate<
  { sessionId: string; workflowId: string },
  [{ checkpointId: string; title?: string }]
>('fork');
export const decideUpdate = defineUpdate<ApprovalOutcome, [DecideInput]>('decide');
export const requestApprovalUpdate = defineUpdate<ApprovalRequest, [RequestApprovalInput]>('requestApproval');

export const pauseSignal = defineSignal<[{ reason?: string }?]>('pause');
export const resumeSignal = defineSignal<[]>('resume');
export const endSignal = defineSignal<[{ reason?: string }?]>('end');
/** A child workflow asking its session for a human decision. */
export const approvalRequestedSignal =
  defineSignal<[RequestApprovalInput & { from: string; requestId: string }]>('approvalRequested');
/** The session's answer to a child that asked (sent to the child). */
export const approvalDecidedSignal = defineSignal<[ApprovalOutcome]>('approvalDecided');

export const stateQuery = defineQuery<SessionView>('state');
export const messagesQuery = defineQuery<MessageRef[], [{ from?: number; to?: number }?]>('messages');
export const checkpointsQuery = defineQuery<CheckpointRecord[]>('checkpoints');
export const pendingQuery = defineQuery<ApprovalRequest[]>('pending');
