// Shared machinery for the wire-level provider fakes (test/fakes/anthropic.ts, test/fakes/openai.ts): a
// node:http server on 127.0.0.1 with an ephemeral port, request recording, a queue of scripted answers
// (steps) with fault injection, and small helpers to write JSON, SSE, truncated and never-ending replies.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A normal answer. Omitted fields get defaults (text = the server's defaultReply unless toolCalls are given). */
export interface ReplyStep {
  reply?: string;
  toolCalls?: { id: string; name: string; input: unknown }[];
  usage?: { input: number; output: number; cacheRead?: number; cacheWrite?: number };
  stopReason?: string;
  /** Wait this long before the response starts (headers included). */
  delayMs?: number;
  /** Streams: wait this long before each text chunk, so a client sees the reply arrive over time. */
  chunkDelayMs?: number;
  /** Model reported in the response (default: the request's model). */
  model?: string;
}
/** An HTTP error. `body` defaults to the provider's error shape for the status; `headers` are sent as given. */
export interface ErrorStep {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}
/** 200 whose body is not valid JSON (streams: a well-formed SSE frame whose data is not JSON). */
export interface MalformedStep {
  malformed: true;
}
/** Streams: the preamble, then N text chunks, then the socket is destroyed. Non-streams: destroyed after headers. */
export interface CutStep {
  cutAfterChunks: number;
  reply: string;
}
/** Never answer; the socket stays open until the client gives up or the server is closed. */
export interface HangStep {
  hang: true;
}
export type Step = ReplyStep | ErrorStep | MalformedStep | CutStep | HangStep;

export interface RecordedRequest {
  method: string;
  /** URL path as received, query string included (e.g. `/v1/messages`). */
  path: string;
  /** Node's lower-cased request headers. */
  headers: Record<string, string | string[] | undefined>;
  /** When the request arrived (ms since the epoch), to check retry delays. */
  at: number;
  /** Parsed JSON body; the raw text when it is not JSON; undefined when empty. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface FakeServer {
  /** What to pass as the SDK's `baseURL` (see each fake for whether it ends in /v1). */
  url: string;
  requests: RecordedRequest[];
  /** Queue answers for the main endpoint; when the queue is empty, reply with defaultReply. */
  script(...steps: Step[]): void;
  defaultReply: string;
  /** Computes the answer from the request body when the queue is empty (before defaultReply); kept by reset(). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  respond?: (body: any) => Step | undefined;
  /** Forget recorded requests and queued steps, and restore the initial defaultReply. */
  reset(): void;
  /** Stop the server, ending every open connection (hanging requests included). */
  close(): Promise<void>;
}

export type ClassifiedStep =
  | { kind: 'reply'; step: ReplyStep }
  | { kind: 'error'; step: ErrorStep }
  | { kind: 'malformed'; step: MalformedStep }
  | { kind: 'cut'; step: CutStep }
  | { kind: 'hang'; step: HangStep };

export function classifyStep(step: Step): ClassifiedStep {
  if ('hang' in step) return { kind: 'hang', step };
  if ('malformed' in step) return { kind: 'malformed', step };
  if ('status' in step) return { kind: 'error', step };
  if ('cutAfterChunks' in step) return { kind: 'cut', step };
  return { kind: 'reply', step };
}

/** A FIFO of scripted steps. */
export class StepQueue {
  private steps: Step[] = [];
  push(...steps: Step[]): void {
    this.steps.push(...steps);
  }
  shift(): Step | undefined {
    return this.steps.shift();
  }
  clear(): void {
    this.steps = [];
  }
  get length(): number {
    return this.steps.length;
  }
}

export interface IncomingCall {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  method: string;
  /** Path without the query string. */
  pathname: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  /** False when the body was present but not valid JSON. */
  bodyIsJson: boolean;
  /** The body's bytes as received (binary protocols, such as git's, read these). */
  rawBody: Buffer;
}

export interface HttpFake {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  origin: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Starts a server that records every request and hands it to `handler`. */
export async function startHttpFake(handler: (call: IncomingCall) => Promise<void>): Promise<HttpFake> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    void (async () => {
      const rawBody = await readBody(req);
      const raw = rawBody.toString('utf8');
      let body: unknown = undefined;
      let bodyIsJson = true;
      if (raw.length > 0) {
        try {
          body = JSON.parse(raw);
        } catch {
          body = raw;
          bodyIsJson = false;
        }
      }
      const url = req.url ?? '/';
      requests.push({ method: req.method ?? 'GET', path: url, headers: { ...req.headers }, body, at: Date.now() });
      await handler({
        req,
        res,
        method: req.method ?? 'GET',
        pathname: url.split('?')[0],
        body,
        bodyIsJson,
        rawBody,
      });
    })().catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendRaw(res, 500, `fake server error: ${String(err)}`, { 'content-type': 'text/plain' });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function alive(res: http.ServerResponse): boolean {
  return !res.destroyed && !res.writableEnded && !(res.socket?.destroyed ?? true);
}

export function sendRaw(res: http.ServerResponse, status: number, text: string, headers: Record<string, string>): void {
  if (!alive(res)) return;
  res.writeHead(status, { 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  sendRaw(res, status, text, { 'content-type': 'application/json', ...headers });
}

/** Writes `data` and resolves once it has been handed to the socket (false if the connection is gone). */
export function writeChunk(res: http.ServerResponse, data: string): Promise<boolean> {
  return new Promise((resolve) => {
    if (!alive(res)) return resolve(false);
    const onClose = () => resolve(false);
    res.once('close', onClose);
    res.write(data, (err) => {
      res.off('close', onClose);
      // Yield so that successive chunks tend to leave in separate packets.
      setImmediate(() => resolve(!err));
    });
  });
}

/** Destroys the connection without finishing the response (the client sees a truncated body). */
export function cutConnection(res: http.ServerResponse): void {
  res.socket?.destroy();
  res.destroy();
}

/** 200 + headers + the start of a JSON body, then the connection is destroyed. */
export async function sendCutJson(res: http.ServerResponse, headers: Record<string, string>): Promise<void> {
  if (!alive(res)) return;
  res.writeHead(200, { 'content-type': 'application/json', ...headers });
  res.flushHeaders();
  await writeChunk(res, '{"id":');
  cutConnection(res);
}

/** 200 with a JSON content type and a body that is not JSON. */
export function sendMalformedJson(res: http.ServerResponse, headers: Record<string, string>): void {
  sendRaw(res, 200, '{"id": "fake", this is not JSON', { 'content-type': 'application/json', ...headers });
}

export function startSse(res: http.ServerResponse, headers: Record<string, string>): void {
  if (!alive(res)) return;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    ...headers,
  });
  res.flushHeaders();
}

export function sseFrame(data: string, event?: string): string {
  return `${event === undefined ? '' : `event: ${event}\n`}data: ${data}\n\n`;
}

/** Splits text into stream deltas of about one word (words over 10 characters are split); they join back exactly. */
export function splitForStream(text: string): string[] {
  if (text === '') return [];
  return text.match(/\s*\S{1,10}\s*/g) ?? [text];
}

/** Splits a string into pieces of at most `size` characters. */
export function splitEvery(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out.length > 0 ? out : [''];
}

/** A rough, deterministic token count (~4 characters a token). */
export function estimateTokens(value: unknown): number {
  if (value === undefined || value === null) return 0;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return Math.ceil(text.length / 4);
}

/** The bearer token of an `Authorization: Bearer …` header, if any. */
export function bearerToken(headers: http.IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization;
  if (typeof auth !== 'string') return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(auth);
  return m ? m[1] : undefined;
}

export function headerString(headers: http.IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
