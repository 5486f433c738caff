// Embeddings for semantic memory search. The provider is the first OpenAI-compatible entry of the
// `embed` route (only one: vectors of different models cannot be compared), called through the
// openai SDK with no retries and a short timeout, since writes wait for it. Vectors are stored
// unit length (`real[]`), so cosine similarity is a dot product.
import { embedTexts, openAiClient } from '../ai/openai';
import { resolveChain } from '../ai/router';
import type { MemoryConfig } from '../config';
import { badRequest } from '../errors';

/** How long one embeddings request may take (writes and searches wait for it). */
export const EMBED_TIMEOUT_MS = 10_000;
/** Texts per embeddings request. */
export const EMBED_BATCH = 64;
/** Characters of an entry's text that are embedded (about 2,000 tokens). */
export const EMBED_CHARS = 8_000;

export interface Embedder {
  /** The model name stored with each vector. */
  model: string;
  /** One unit-length vector per text, in order; throws when the provider fails. */
  embed(texts: string[]): Promise<number[][]>;
}

/** The embedder for this configuration, or undefined when none is configured (or embeddings are off). */
export function createEmbedder(config: MemoryConfig): Embedder | undefined {
  if (config.embeddings === 'off') return undefined;
  const route = resolveChain(config.ai, 'embed').find((r) => r.provider === 'openai');
  if (!route) return undefined;
  const client = openAiClient(config.ai.openai, Math.min(EMBED_TIMEOUT_MS, config.ai.timeoutMs));
  return {
    model: route.model,
    async embed(texts) {
      const out: number[][] = [];
      for (let i = 0; i < texts.length; i += EMBED_BATCH) {
        const { vectors } = await embedTexts(client, route.model, texts.slice(i, i + EMBED_BATCH));
        if (vectors.length !== Math.min(EMBED_BATCH, texts.length - i)) {
          throw new Error(`the embeddings endpoint returned ${vectors.length} vectors for ${texts.length} texts`);
        }
        out.push(...vectors.map(unit));
      }
      return out;
    },
  };
}

/** `v` scaled to length 1 (a zero vector stays zero). */
export function unit(v: number[]): number[] {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return norm > 0 ? v.map((x) => x / norm) : v;
}

/** What an entry's embedding is computed from: key words, tags and value text. */
export function embeddingText(key: string, tags: string[], valueText: string): string {
  return [key.replace(/[/_.:-]+/g, ' '), tags.join(' '), valueText].filter(Boolean).join('\n').slice(0, EMBED_CHARS);
}

export const NO_EMBEDDER =
  'no embedding provider is configured: set OPENAI_API_KEY (OpenAI) or OPENAI_BASE_URL (an OpenAI-compatible ' +
  'server such as Ollama, vLLM or LM Studio), optionally OPENAI_EMBEDDING_MODEL, and leave ' +
  'CLAUDE_FLOW_MEMORY_EMBEDDINGS at auto; or search with mode=text';

/** The 400 for mode=semantic without an embedder. */
export const noEmbedder = () => badRequest(`mode=semantic needs embeddings, but ${NO_EMBEDDER}`);
