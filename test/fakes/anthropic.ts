// A wire-level fake of the Anthropic Messages API (POST /v1/messages, JSON and SSE) for pointing the real
// @anthropic-ai/sdk at: `new Anthropic({ apiKey, baseURL: fake.url })`. `fake.url` has no /v1 (the SDK adds it).
import type http from 'node:http';
import {
  bearerToken,
  classifyStep,
  cutConnection,
  estimateTokens,
  type FakeServer,
  headerString,
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

export interface FakeAnthropicOptions {
  /** When set, requests must carry this key (`Authorization: Bearer` or `x-api-key`) or get 401. */
  apiKey?: string;
  defaultReply?: string;
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

const ERROR_MESSAGES: Record<string, string> = {
  invalid_request_error: 'Invalid request',
  authentication_error: 'invalid x-api-key',
  billing_error: 'Your credit balance is too low',
  permission_error: 'Your API key does not have permission to use the specified resource.',
  not_found_error: 'The requested resource could not be found.',
  request_too_large: 'Request exceeds the maximum allowed number of bytes.',
  rate_limit_error: 'Number of request tokens has exceeded your per-minute rate limit',
  api_error: 'Internal server error',
  timeout_error: 'Request timed out',
  overloaded_error: 'Overloaded',
};

/** Anthropic's error body: `{type:'error', error:{type, message}, request_id}`. */
export function anthropicErrorBody(status: number, requestId: string, message?: string): unknown {
  const type = ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
  return { type: 'error', error: { type, message: message ?? ERROR_MESSAGES[type] }, request_id: requestId };
}

export async function startFakeAnthropic(opts: FakeAnthropicOptions = {}): Promise<FakeServer> {
  const initialDefault = opts.defaultReply ?? 'Hello from the fake Anthropic API.';
  const queue = new StepQueue();
  let seq = 0;
  const server = await startHttpFake(async ({ req, res, method, pathname, body, bodyIsJson }) => {
    seq += 1;
    const requestId = `req_fake_${String(seq).padStart(6, '0')}`;
    const baseHeaders = { 'request-id': requestId };
    const fail = (status: number, message?: string) =>
      sendJson(res, status, anthropicErrorBody(status, requestId, message), baseHeaders);

    if (opts.apiKey !== undefined) {
      const key = headerString(req.headers, 'x-api-key') ?? bearerToken(req.headers);
      if (key !== opts.apiKey) return fail(401, 'invalid x-api-key');
    }
    if (method !== 'POST' || pathname !== '/v1/messages') return fail(404, `Not found: ${method} ${pathname}`);
    if (!headerString(req.headers, 'anthropic-version')) return fail(400, 'anthropic-version: header is required');
    if (!bodyIsJson || typeof body !== 'object' || body === null) return fail(400, 'Request body is not valid JSON');
    if (typeof body.model !== 'string') return fail(400, 'model: Field required');
    if (typeof body.max_tokens !== 'number') return fail(400, 'max_tokens: Field required');
    if (!Array.isArray(body.messages)) return fail(400, 'messages: Field required');

    const stream = body.stream === true;
    const step: Step = queue.shift() ?? fake.respond?.(body) ?? { reply: fake.defaultReply };
    const c = classifyStep(step);
    switch (c.kind) {
      case 'hang':
        return; // never answered; close() ends the connection
      case 'error': {
        const errBody = c.step.body ?? anthropicErrorBody(c.step.status, requestId);
        return sendJson(res, c.step.status, errBody, { ...baseHeaders, ...c.step.headers });
      }
      case 'malformed':
        if (!stream) return sendMalformedJson(res, baseHeaders);
        startSse(res, baseHeaders);
        await writeChunk(
          res,
          sseFrame(JSON.stringify(messageStart(seq, body.model, { usage: zeroUsage(body) })), 'message_start'),
        );
        await writeChunk(res, sseFrame('{"type": "content_block_delta", this is not JSON', 'content_block_delta'));
        res.end();
        return;
      case 'cut':
        if (!stream) return sendCutJson(res, baseHeaders);
        return writeStream(res, seq, body, { reply: c.step.reply }, '', baseHeaders, c.step.cutAfterChunks);
      case 'reply':
        if (c.step.delayMs) await sleep(c.step.delayMs);
        if (!stream) return sendJson(res, 200, buildMessage(seq, body, c.step, fake.defaultReply), baseHeaders);
        return writeStream(res, seq, body, c.step, fake.defaultReply, baseHeaders, undefined);
    }
  });

  // The handler above only runs once requests arrive, after `fake` is initialised.
  const fake: FakeServer = {
    url: server.origin,
    requests: server.requests,
    defaultReply: initialDefault,
    script(...steps: Step[]) {
      queue.push(...steps);
    },
    reset() {
      server.requests.length = 0;
      queue.clear();
      fake.defaultReply = initialDefault;
    },
    close: () => server.close(),
  };
  return fake;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = any;

interface Resolved {
  model: string;
  text: string;
  toolCalls: { id: string; name: string; input: unknown }[];
  stopReason: string;
  usage: { input: number; output: number; cacheRead: number; cacheWrite: number };
}

function resolveReply(body: Body, step: ReplyStep, defaultReply: string): Resolved {
  const toolCalls = step.toolCalls ?? [];
  const text = step.reply ?? (toolCalls.length > 0 ? '' : defaultReply);
  const usage = step.usage;
  return {
    model: step.model ?? body.model,
    text,
    toolCalls,
    stopReason: step.stopReason ?? (toolCalls.length > 0 ? 'tool_use' : 'end_turn'),
    usage: {
      input: usage?.input ?? estimateTokens({ system: body.system, messages: body.messages, tools: body.tools }),
      output: usage?.output ?? Math.max(1, estimateTokens(text) + estimateTokens(toolCalls.length ? toolCalls : '')),
      cacheRead: usage?.cacheRead ?? 0,
      cacheWrite: usage?.cacheWrite ?? 0,
    },
  };
}

function usageJson(u: Resolved['usage'], outputTokens: number) {
  return {
    input_tokens: u.input,
    output_tokens: outputTokens,
    cache_creation_input_tokens: u.cacheWrite,
    cache_read_input_tokens: u.cacheRead,
    cache_creation: { ephemeral_5m_input_tokens: u.cacheWrite, ephemeral_1h_input_tokens: 0 },
    server_tool_use: null,
    output_tokens_details: null,
    service_tier: 'standard',
    inference_geo: null,
    speed: null,
  };
}

function zeroUsage(body: Body): Resolved['usage'] {
  return { input: estimateTokens(body.messages), output: 1, cacheRead: 0, cacheWrite: 0 };
}

function contentBlocks(r: Resolved): unknown[] {
  const blocks: unknown[] = [];
  if (r.text !== '' || r.toolCalls.length === 0) blocks.push({ type: 'text', text: r.text, citations: null });
  for (const t of r.toolCalls) {
    blocks.push({ type: 'tool_use', id: t.id, name: t.name, input: t.input, caller: { type: 'direct' } });
  }
  return blocks;
}

function messageId(seq: number): string {
  return `msg_fake_${String(seq).padStart(6, '0')}`;
}

function messageStart(seq: number, model: string, r: Pick<Resolved, 'usage'>) {
  return {
    type: 'message_start',
    message: {
      id: messageId(seq),
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      stop_details: null,
      container: null,
      diagnostics: null,
      usage: usageJson(r.usage, Math.min(1, r.usage.output)),
    },
  };
}

function buildMessage(seq: number, body: Body, step: ReplyStep, defaultReply: string) {
  const r = resolveReply(body, step, defaultReply);
  return {
    id: messageId(seq),
    type: 'message',
    role: 'assistant',
    model: r.model,
    content: contentBlocks(r),
    stop_reason: r.stopReason,
    stop_sequence: null,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage: usageJson(r.usage, r.usage.output),
  };
}

/**
 * Writes the SSE event sequence the SDK expects. With `cutAfter` set, writes message_start, ping and the
 * first content_block_start, then at most `cutAfter` content_block_delta events, then destroys the socket.
 */
async function writeStream(
  res: http.ServerResponse,
  seq: number,
  body: Body,
  step: ReplyStep,
  defaultReply: string,
  headers: Record<string, string>,
  cutAfter: number | undefined,
): Promise<void> {
  const r = resolveReply(body, step, defaultReply);
  const send = (event: string, data: unknown) => writeChunk(res, sseFrame(JSON.stringify(data), event));
  let deltas = 0;
  // Returns false when the stream must stop here (cut reached or client gone).
  const delta = async (data: unknown): Promise<boolean> => {
    if (cutAfter !== undefined && deltas >= cutAfter) return false;
    deltas += 1;
    return send('content_block_delta', data);
  };

  startSse(res, headers);
  if (!(await send('message_start', messageStart(seq, r.model, r)))) return;
  if (!(await send('ping', { type: 'ping' }))) return;

  let index = 0;
  let ok = true;
  if (r.text !== '' || r.toolCalls.length === 0) {
    ok = await send('content_block_start', {
      type: 'content_block_start',
      index,
      content_block: { type: 'text', text: '', citations: null },
    });
    for (const piece of splitForStream(r.text)) {
      if (!ok) break;
      if (step.chunkDelayMs) await sleep(step.chunkDelayMs);
      ok = await delta({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } });
    }
    if (ok && cutAfter === undefined) ok = await send('content_block_stop', { type: 'content_block_stop', index });
    index += 1;
  }
  for (const t of r.toolCalls) {
    if (!ok || cutAfter !== undefined) break;
    ok = await send('content_block_start', {
      type: 'content_block_start',
      index,
      content_block: { type: 'tool_use', id: t.id, name: t.name, input: {}, caller: { type: 'direct' } },
    });
    for (const piece of splitEvery(JSON.stringify(t.input ?? {}), 12)) {
      if (!ok) break;
      ok = await delta({
        type: 'content_block_delta',
        index,
        delta: { type: 'input_json_delta', partial_json: piece },
      });
    }
    if (ok) ok = await send('content_block_stop', { type: 'content_block_stop', index });
    index += 1;
  }
  if (cutAfter !== undefined) {
    cutConnection(res);
    return;
  }
  if (!ok) return;
  await send('message_delta', {
    type: 'message_delta',
    delta: { stop_reason: r.stopReason, stop_sequence: null, stop_details: null, container: null },
    usage: {
      input_tokens: r.usage.input,
      output_tokens: r.usage.output,
      cache_creation_input_tokens: r.usage.cacheWrite,
      cache_read_input_tokens: r.usage.cacheRead,
      server_tool_use: null,
      output_tokens_details: null,
    },
  });
  await send('message_stop', { type: 'message_stop' });
  res.end();
}
