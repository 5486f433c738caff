// OpenAI, or any OpenAI-compatible server (Ollama, vLLM, LM Studio), through the openai SDK's Chat
// Completions. SDK retries are off: Temporal owns retries.
import type OpenAI from 'openai';
import type { Config } from '../../../lib/config';
import { openAiClient } from '../../../lib/ai/openai';
import type { Provider, ProviderCall, ProviderReply, ToolCall } from '../types';

function stopReason(r: string | null | undefined): string {
  if (r === 'stop') return 'end_turn';
  if (r === 'length') return 'max_tokens';
  if (r === 'tool_calls' || r === 'function_call') return 'tool_use';
  return 'other';
}

function parseArgs(raw: string): unknown {
  try {
    return JSON.parse(raw || '{}') as unknown;
  } catch {
    return { raw };
  }
}

export function createOpenAiProvider(config: Config['ai']['openai'], timeoutMs: number): Provider {
  const client = openAiClient(config, timeoutMs);
  return {
    name: 'openai',
    async call({ model, request, signal, onDelta }: ProviderCall): Promise<ProviderReply> {
      const messages: OpenAI.ChatCompletionMessageParam[] = [
        ...(request.system ? [{ role: 'system' as const, content: request.system }] : []),
        ...request.messages.map((m) => ({ role: m.role, content: m.content })),
      ];
      const base = {
        model,
        messages,
        max_tokens: request.maxTokens ?? 1024,
        temperature: request.temperature,
        tools: request.tools?.map((t) => ({
          type: 'function' as const,
          function: { name: t.name, description: t.description, parameters: t.inputSchema },
        })),
      };
      if (!onDelta) {
        const res = await client.chat.completions.create(base, { signal });
        const choice = res.choices[0];
        return {
          text: choice?.message.content ?? '',
          toolCalls: (choice?.message.tool_calls ?? [])
            .filter((c) => c.type === 'function')
            .map((c) => ({ id: c.id, name: c.function.name, input: parseArgs(c.function.arguments) })),
          stopReason: stopReason(choice?.finish_reason),
          model: res.model ?? model,
          usage: {
            inputTokens: res.usage?.prompt_tokens ?? 0,
            outputTokens: res.usage?.completion_tokens ?? 0,
            cacheReadTokens: res.usage?.prompt_tokens_details?.cached_tokens ?? 0,
            cacheWriteTokens: 0,
          },
        };
      }
      const stream = await client.chat.completions.create(
        { ...base, stream: true, stream_options: { include_usage: true } },
        { signal },
      );
      let text = '';
      let finish: string | null | undefined;
      let usage: OpenAI.CompletionUsage | undefined;
      let served = model;
      const calls = new Map<number, { id: string; name: string; args: string }>();
      for await (const chunk of stream) {
        served = chunk.model ?? served;
        if (chunk.usage) usage = chunk.usage;
        const choice = chunk.choices[0];
        if (!choice) continue;
        if (choice.delta.content) {
          text += choice.delta.content;
          onDelta(choice.delta.content);
        }
        for (const tc of choice.delta.tool_calls ?? []) {
          const cur = calls.get(tc.index) ?? { id: '', name: '', args: '' };
          calls.set(tc.index, {
            id: tc.id ?? cur.id,
            name: tc.function?.name ?? cur.name,
            args: cur.args + (tc.function?.arguments ?? ''),
          });
        }
        if (choice.finish_reason) finish = choice.finish_reason;
      }
      if (finish === undefined) throw new Error('stream ended before the model finished (connection cut off)');
      const toolCalls: ToolCall[] = [...calls.values()].map((c) => ({
        id: c.id,
        name: c.name,
        input: parseArgs(c.args),
      }));
      return {
        text,
        toolCalls,
        stopReason: stopReason(finish),
        model: served,
        usage: {
          inputTokens: usage?.prompt_tokens ?? 0,
          outputTokens: usage?.completion_tokens ?? 0,
          cacheReadTokens: usage?.prompt_tokens_details?.cached_tokens ?? 0,
          cacheWriteTokens: 0,
        },
      };
    },
  };
}
