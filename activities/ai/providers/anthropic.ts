// Anthropic through its SDK (Messages API). SDK retries are off: Temporal owns retries.
import Anthropic from '@anthropic-ai/sdk';
import type { Config } from '../../../lib/config';
import type { Provider, ProviderCall, ProviderReply, ToolCall } from '../types';

function stopReason(r: string | null | undefined): string {
  return r === 'end_turn' || r === 'max_tokens' || r === 'tool_use' || r === 'stop_sequence' ? r : 'other';
}

export function createAnthropicProvider(config: Config['ai']['anthropic'], timeoutMs: number): Provider {
  const client = new Anthropic({
    apiKey: config.apiKey,
    baseURL: config.baseUrl,
    maxRetries: 0,
    timeout: timeoutMs,
    // The model-call span is Claude Flow's own, the same for every provider (lib/tracing): the SDK's
    // call span would count every token twice, and the fetch instrumentation already sends traceparent.
    openTelemetry: { traces: false, propagation: false },
  });
  return {
    name: 'anthropic',
    async call({ model, request, signal, onDelta }: ProviderCall): Promise<ProviderReply> {
      const params = {
        model,
        max_tokens: request.maxTokens ?? 1024,
        system: request.system,
        temperature: request.temperature,
        messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
        tools: request.tools?.map((t) => ({
          name: t.name,
          description: t.description,
          input_schema: t.inputSchema as Anthropic.Tool.InputSchema,
        })),
      };
      let message: Anthropic.Message;
      if (onDelta) {
        const stream = client.messages.stream(params, { signal });
        stream.on('text', (delta) => onDelta(delta));
        message = await stream.finalMessage();
      } else {
        message = await client.messages.create(params, { signal });
      }
      const text = message.content
        .filter((b): b is Anthropic.TextBlock => b.type === 'text')
        .map((b) => b.text)
        .join('');
      const toolCalls: ToolCall[] = message.content
        .filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use')
        .map((b) => ({ id: b.id, name: b.name, input: b.input }));
      const u = message.usage;
      return {
        text,
        toolCalls,
        stopReason: stopReason(message.stop_reason),
        model: message.model ?? model,
        usage: {
          inputTokens: u?.input_tokens ?? 0,
          outputTokens: u?.output_tokens ?? 0,
          cacheReadTokens: u?.cache_read_input_tokens ?? 0,
          cacheWriteTokens: u?.cache_creation_input_tokens ?? 0,
        },
      };
    },
  };
}
