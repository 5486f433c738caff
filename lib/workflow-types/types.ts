// The shape of one entry in the catalog of workflow types that users can start.
import type { Config } from '../config';
import type { StartableWorkflowType, WORKFLOW_INPUTS } from '../../workflows/contract/inputs';

export interface WorkflowTypeDef<T extends StartableWorkflowType = StartableWorkflowType> {
  /** The Temporal workflow type (the exported workflow function's name). */
  type: T;
  /** One line for lists (API, CLI, dashboard). */
  description: string;
  /**
   * Validates the one argument the workflow takes: the contract's schema of this type
   * (workflows/contract/inputs/), which the workflow parses too. The API publishes it as JSON Schema.
   */
  input: (typeof WORKFLOW_INPUTS)[T];
  /**
   * Builds this type's input from a GitHub webhook delivery (`event`, `action`, parsed payload), or
   * returns a reason it cannot. Types without it cannot be mapped to webhooks.
   */
  fromWebhook?: (event: string, action: string | undefined, payload: Record<string, unknown>) => unknown;
  /**
   * Checks the parsed input against what this host can see before a run starts (e.g. that a custom
   * workflow's file exists and takes these inputs); throws an Error whose message says what to fix.
   */
  check?: (input: unknown, ctx: CheckContext) => void;
}

export interface CheckContext {
  config: Config;
  /** Every type in the catalog. */
  workflowTypes: readonly string[];
}
