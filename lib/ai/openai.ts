// The openai SDK client for OpenAI and OpenAI-compatible servers (Ollama, vLLM, LM Studio), shared
// by the AI activities and memory's embeddings. SDK retries are off: Temporal owns retries.
import OpenAI from 'openai';
import type { Config } from '../config';

export function openAiClient(config: Config['ai']['openai'], timeoutMs: number): OpenAI {
  // Local OpenAI-compatible servers take no key, but the SDK insists on one.
  return new OpenAI({ apiKey: config.apiKey ?? 'none', baseURL: config.baseUrl, maxRetries: 0, timeout: timeoutMs });
}

/** Embeddings from an OpenAI-compatible `/embeddings` endpoint, one vector per input, in order. */
export async function embedTexts(
  client: OpenAI,
  model: string,
  input: string[],
  signal?: AbortSignal,
): Promise<{ vectors: number[][]; inputTokens: number; model: string }> {
  const res = await client.embeddings.create({ model, input }, { signal });
  const vectors = [...res.data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
  return { vectors, inputTokens: res.usage?.prompt_tokens ?? 0, model: res.model ?? model };
}
