// The one model-call interface: what every caller sends and gets back, whatever the provider.
// Plain data only: these types cross Temporal (workflow <-> activity) unchanged.
import type { ProviderName, TaskKind } from '../../lib/config';

export type { ProviderName, TaskKind };

export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
}

export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the tool's input. */
  inputSchema: Record<string, unknown>;
}

export interface ToolCall {
  id: string;
  name: string;
  input: unknown;
}

export interface ModelRequest {
  task: TaskKind;
  messages: ChatMessage[];
  system?: string;
  tools?: ToolSpec[];
  /** @default 1024 */
  maxTokens?: number;
  temperature?: number;
  /** Stream tokens as live events while the call runs. */
  stream?: boolean;
  /** Force a chain for this call ("provider" or "provider:model" entries), e.g. a session's override. */
  route?: string[];
  /** An optional step is skipped (with the reason) when no provider is configured, instead of failing. */
  optional?: boolean;
  /** Repository the call is about (Auggie works there). */
  workspace?: string;
  /** Attribution for usage records and the live channel. */
  sessionId?: string;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

export interface ModelResponse {
  outcome: 'ok';
  text: string;
  toolCalls: ToolCall[];
  /** Normalised: end_turn | max_tokens | tool_use | stop_sequence | other. */
  stopReason: string;
  usage: Usage;
  provider: ProviderName;
  model: string;
  latencyMs: number;
  /** Null when the model has no price configured. */
  costUsd: number | null;
  attempt: number;
}

export interface SkippedResponse {
  outcome: 'skipped';
  reason: string;
}

export type ModelResult = ModelResponse | SkippedResponse;

/** What a provider adapter returns; the router adds cost, latency and attempt. */
export type ProviderReply = Pick<ModelResponse, 'text' | 'toolCalls' | 'stopReason' | 'usage' | 'model'>;

export interface ProviderCall {
  model: string;
  request: ModelRequest;
  signal: AbortSignal;
  /** Called with each text delta when streaming. */
  onDelta?: (text: string) => void;
}

export interface Provider {
  name: ProviderName;
  call(c: ProviderCall): Promise<ProviderReply>;
}

export const emptyUsage = (): Usage => ({ inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 });
