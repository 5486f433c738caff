// The shape of one entry in the catalog of workflow types that users can start.
import type { z } from 'zod';
import type { Config } from '../config';

export interface WorkflowTypeDef {
  /** The Temporal workflow type (the exported workflow function's name). */
  type: string;
  /** One line for lists (API, CLI, dashboard). */
  description: string;
  /** Validates the one argument the workflow takes; its JSON Schema is published by the API. */
  input: z.ZodType;
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
