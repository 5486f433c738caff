// A wire-level fake of the OpenAI API (POST /v1/chat/completions, JSON and SSE; POST /v1/embeddings) for
// pointing the real openai SDK at: `new OpenAI({ apiKey, baseURL: fake.url })`. `fake.url` ends in /v1.
import type http from 'node:http';
import {
  bearerToken,
  classifyStep,
  cutConnection,
  estimateTokens,
  type FakeServer,
  type ReplyStep,
  sendCutJson,
  sendJson,
  sendMalformedJson,
  sleep,
  splitEvery,
  splitForStream,
  sseFrame,
  startHttpFake,
  startSse,
  type Step,
  StepQueue,
  writeChunk,
} from './http-fake';

export interface FakeOpenAIOptions {
  /** When set, requests must carry `Authorization: Bearer <apiKey>` or get 401. */
  apiKey?: string;
  defaultReply?: string;
  /** Embedding length when the request has no `dimensions` (default 64). */
  embeddingDims?: number;
}

export type FakeOpenAIServer = FakeServer & {
  /** Queue answers for POST /v1/embeddings (separate from script(), which is for chat completions). */
  embeddingScript(...steps: Step[]): void;
};

const ERRORS: Record<number, { type: string; code: string | null; message: string }> = {
  400: { type: 'invalid_request_error', code: null, message: 'Invalid request' },
  401: { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided.' },
  403: { type: 'invalid_request_error', code: 'unsupported_country_region_territory', message: 'Forbidden' },
  404: { type: 'invalid_request_error', code: 'model_not_found', message: 'The model does not exist.' },
  429: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached for requests.' },
  500: { type: 'server_error', code: null, message: 'The server had an error while processing your request.' },
  503: { type: 'server_error', code: null, message: 'The engine is currently overloaded, please try again later.' },
};

/** OpenAI's error body: `{error:{message, type, param, code}}`. */
export function openaiErrorBody(status: number, message?: string): unknown {
  const e = ERRORS[status] ?? (status >= 500 ? ERRORS[500] : ERRORS[400]);
  return { error: { message: message ?? e.message, type: e.type, param: null, code: e.code } };
}

/**
 * The fake's deterministic embedding: lower-cased word tokens (letters/digits) hashed (FNV-1a) into `dims`
 * buckets, counted, L2-normalised, rounded to float32. Texts sharing words have a higher cosine similarity.
 */
export function bagOfWordsEmbedding(text: string, dims: number): number[] {
  const v = new Array<number>(dims).fill(0);
  const words: string[] = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  if (words.length === 0 && text.trim() !== '') words.push(text.trim());
  for (const w of words) v[fnv1a(w) % dims] += 1;
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => Math.fround(norm > 0 ? x / norm : 0));
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Little-endian float32, base64: what the OpenAI API returns for `encoding_format: 'base64'`. */
export function toBase64Float32(v: number[]): string {
  const buf = Buffer.alloc(v.length * 4);
  v.forEach((x, i) => buf.writeFloatLE(x, i * 4));
  return buf.toString('base64');
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = any;

export async function startFakeOpenAI(opts: FakeOpenAIOptions = {}): Promise<FakeOpenAIServer> {
  const initialDefault = opts.defaultReply ?? 'Hello from the fake OpenAI API.';
  const defaultDims = opts.embeddingDims ?? 64;
  const chatQueue = new StepQueue();
  const embeddingQueue = new StepQueue();
  let seq = 0;

  const server = await startHttpFake(async ({ req, res, method, pathname, body, bodyIsJson }) => {
    seq += 1;
    const requestId = `req_fake_${String(seq).padStart(6, '0')}`;
    const baseHeaders = { 'x-request-id': requestId, 'openai-processing-ms': '1' };
    const fail = (status: number, message?: string) =>
      sendJson(res, status, openaiErrorBody(status, message), baseHeaders);

    if (opts.apiKey !== undefined && bearerToken(req.headers) !== opts.apiKey) {
      return fail(401, 'Incorrect API key provided.');
    }
    const chat = method === 'POST' && pathname === '/v1/chat/completions';
    const embeddings = method === 'POST' && pathname === '/v1/embeddings';
    if (!chat && !embeddings) return fail(404, `Invalid URL (${method} ${pathname})`);
    if (!bodyIsJson || typeof body !== 'object' || body === null) return fail(400, 'We could not parse the JSON body');
    if (typeof body.model !== 'string') return fail(400, 'you must provide a model parameter');
    if (chat && !Array.isArray(body.messages)) return fail(400, "Missing required parameter: 'messages'.");
    const inputs = embeddings ? embeddingInputs(body.input) : [];
    if (embeddings && inputs === undefined) return fail(400, "'$.input' is invalid.");

    const stream = chat && body.stream === true;
    const queue = chat ? chatQueue : embeddingQueue;
    const step: Step = queue.shift() ?? (chat ? fake.respond?.(body) : undefined) ?? { reply: fake.defaultReply };
    const c = classifyStep(step);
    switch (c.kind) {
      case 'hang':
        return;
      case 'error': {
        const errBody = c.step.body ?? openaiErrorBody(c.step.status);
        return sendJson(res, c.step.status, errBody, { ...baseHeaders, ...c.step.headers });
      }
      case 'malformed':
        if (!stream) return sendMalformedJson(res, baseHeaders);
        startSse(res, baseHeaders);
        await writeChunk(res, sseFrame('{"id": "chatcmpl-fake", this is not JSON'));
        res.end();
        return;
      case 'cut':
        if (!stream) return sendCutJson(res, baseHeaders);
        return writeChatStream(res, seq, body, { reply: c.step.reply }, '', baseHeaders, c.step.cutAfterChunks);
      case 'reply':
        if (c.step.delayMs) await sleep(c.step.delayMs);
        if (embeddings)
          return sendJson(res, 200, buildEmbeddings(body, inputs ?? [], c.step, defaultDims), baseHeaders);
        if (!stream) return sendJson(res, 200, buildCompletion(seq, body, c.step, fake.defaultReply), baseHeaders);
        return writeChatStream(res, seq, body, c.step, fake.defaultReply, baseHeaders, undefined);
    }
  });

  // The handler above only runs once requests arrive, after `fake` is initialised.
  const fake: FakeOpenAIServer = {
    url: `${server.origin}/v1`,
    requests: server.requests,
    defaultReply: initialDefault,
    script(...steps: Step[]) {
      chatQueue.push(...steps);
    },
    embeddingScript(...steps: Step[]) {
      embeddingQueue.push(...steps);
    },
    reset() {
      server.requests.length = 0;
      chatQueue.clear();
      embeddingQueue.clear();
      fake.defaultReply = initialDefault;
    },
    close: () => server.close(),
  };
  return fake;
}

/** The texts of an embeddings `input` (string, string[], token array, token arrays); undefined if invalid. */
function embeddingInputs(input: unknown): string[] | undefined {
  const one = (x: unknown): string | undefined => {
    if (typeof x === 'string') return x === '' ? undefined : x;
    if (Array.isArray(x) && x.length > 0 && x.every((t) => typeof t === 'number')) return x.join(' ');
    return undefined;
  };
  if (typeof input === 'string') {
    const s = one(input);
    return s === undefined ? undefined : [s];
  }
  if (!Array.isArray(input) || input.length === 0) return undefined;
  if (input.every((t) => typeof t === 'number')) return [input.join(' ')];
  const out: string[] = [];
  for (const x of input) {
    const s = one(x);
    if (s === undefined) return undefined;
    out.push(s);
  }
  return out;
}

function buildEmbeddings(body: Body, inputs: string[], step: ReplyStep, defaultDims: number) {
  const dims = typeof body.dimensions === 'number' && body.dimensions > 0 ? body.dimensions : defaultDims;
  const base64 = body.encoding_format === 'base64';
  const tokens = step.usage?.input ?? inputs.reduce((s, t) => s + estimateTokens(t), 0);
  return {
    object: 'list',
    data: inputs.map((text, index) => {
      const v = bagOfWordsEmbedding(text, dims);
      return { object: 'embedding', index, embedding: base64 ? toBase64Float32(v) : v };
    }),
    model: step.model ?? body.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

interface Resolved {
  model: string;
  text: string;
  toolCalls: { id: string; name: string; input: unknown }[];
  finishReason: string;
  usage: ReturnType<typeof usageJson>;
}

function usageJson(input: number, output: number, cached: number) {
  return {
    prompt_tokens: input,
    completion_tokens: output,
    total_tokens: input + output,
    prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function resolveReply(body: Body, step: ReplyStep, defaultReply: string): Resolved {
  const toolCalls = step.toolCalls ?? [];
  const text = step.reply ?? (toolCalls.length > 0 ? '' : defaultReply);
  const input = step.usage?.input ?? estimateTokens({ messages: body.messages, tools: body.tools });
  const output =
    step.usage?.output ?? Math.max(1, estimateTokens(text) + estimateTokens(toolCalls.length ? toolCalls : ''));
  return {
    model: step.model ?? body.model,
    text,
    toolCalls,
    finishReason: step.stopReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop'),
    usage: usageJson(input, output, step.usage?.cacheRead ?? 0),
  };
}

function completionId(seq: number): string {
  return `chatcmpl-fake${String(seq).padStart(6, '0')}`;
}

function buildCompletion(seq: number, body: Body, step: ReplyStep, defaultReply: string) {
  const r = resolveReply(body, step, defaultReply);
  const message: Record<string, unknown> = {
    role: 'assistant',
    content: r.text === '' && r.toolCalls.length > 0 ? null : r.text,
    refusal: null,
    annotations: [],
  };
  if (r.toolCalls.length > 0) {
    message.tool_calls = r.toolCalls.map((t) => ({
      id: t.id,
      type: 'function',
      function: { name: t.name, arguments: JSON.stringify(t.input ?? {}) },
    }));
  }
  return {
    id: completionId(seq),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: r.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: r.finishReason }],
    usage: r.usage,
    service_tier: 'default',
    system_fingerprint: 'fp_fake',
  };
}

/**
 * Writes `chat.completion.chunk` events then `data: [DONE]`. With `cutAfter` set, writes the role chunk, then
 * at most `cutAfter` content chunks, then destroys the socket.
 */
async function writeChatStream(
  res: http.ServerResponse,
  seq: number,
  body: Body,
  step: ReplyStep,
  defaultReply: string,
  headers: Record<string, string>,
  cutAfter: number | undefined,
): Promise<void> {
  const r = resolveReply(body, step, defaultReply);
  const includeUsage = body.stream_options?.include_usage === true;
  const created = Math.floor(Date.now() / 1000);
  const chunk = (delta: unknown, finishReason: string | null = null) =>
    writeChunk(
      res,
      sseFrame(
        JSON.stringify({
          id: completionId(seq),
          object: 'chat.completion.chunk',
          created,
          model: r.model,
          service_tier: 'default',
          system_fingerprint: 'fp_fake',
          choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
          ...(includeUsage ? { usage: null } : {}),
        }),
      ),
    );

  startSse(res, headers);
  let ok = await chunk({ role: 'assistant', content: '', refusal: null });
  let sent = 0;
  for (const piece of splitForStream(r.text)) {
    if (!ok) return;
    if (cutAfter !== undefined && sent >= cutAfter) break;
    sent += 1;
    ok = await chunk({ content: piece });
  }
  if (cutAfter !== undefined) {
    cutConnection(res);
    return;
  }
  for (const [index, t] of r.toolCalls.entries()) {
    if (!ok) return;
    ok = await chunk({
      tool_calls: [{ index, id: t.id, type: 'function', function: { name: t.name, arguments: '' } }],
    });
    for (const piece of splitEvery(JSON.stringify(t.input ?? {}), 12)) {
      if (!ok) return;
      ok = await chunk({ tool_calls: [{ index, function: { arguments: piece } }] });
    }
  }
  if (!ok) return;
  ok = await chunk({}, r.finishReason);
  if (ok && includeUsage) {
    ok = await writeChunk(
      res,
      sseFrame(
        JSON.stringify({
          id: completionId(seq),
          object: 'chat.completion.chunk',
          created,
          model: r.model,
          service_tier: 'default',
          system_fingerprint: 'fp_fake',
          choices: [],
          usage: r.usage,
        }),
      ),
    );
  }
  if (ok) await writeChunk(res, sseFrame('[DONE]'));
  res.end();
}
