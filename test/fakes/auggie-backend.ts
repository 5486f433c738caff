// A wire-level fake of Augment's backend, for running the REAL `auggie` CLI (@augmentcode/auggie) in tests.
//
// Point the CLI at it with the environment variable
//   AUGMENT_SESSION_AUTH=<fake.sessionAuth()>   // {"accessToken":…,"tenantURL":"http://127.0.0.1:PORT/","scopes":["email"]}
// and run e.g. `auggie --print --output-format json --retry-timeout 0 "<prompt>"` with HOME set to a temp dir.
//
// THE PROTOCOL IS PRIVATE AND UNDOCUMENTED. Everything below was observed with @augmentcode/auggie 0.36.0
// (commit 7c61e5bb) by logging its requests and reading its bundled code; a newer CLI may differ.
//
// Transport: every call is `POST <tenantURL><endpoint>` with a JSON body and the headers
//   content-type: application/json, user-agent: augment.cli/0.36.0 (commit 7c61e5bb)/noninteractive,
//   x-request-id: <uuid>, x-request-session-id: <uuid>, authorization: Bearer <accessToken>.
// The session JSON must have `accessToken`, `tenantURL` AND a `scopes` array, otherwise the CLI says
// "No auth provided" and exits 1 without sending anything.
//
// Endpoints seen in a `--print` run, and what this fake answers:
//   /get-models                      model list + feature flags (see getModelsBody). If this call fails or its
//                                    answer does not convert (each model needs numeric suggested_prefix_char_count
//                                    and suggested_suffix_char_count), the CLI carries on with default flags but
//                                    SILENTLY DROPS THE PROMPT: /chat-stream is sent without the user's text node
//                                    and the run still exits 0.
//   /settings/get-mcp-tenant-configs, /settings/get-mcp-user-configs   {} (body {"product_type":1})
//   /agents/list-remote-tools        {"tools":[]} (called ~4 times; `{}` makes it POST /report-error)
//   /indexed-commits/get-latest-blobset  {} (only when the workspace is a git repo with commits)
//   /find-missing                    {"unknown_memory_names":[],"nonindexed_blob_names":[]}: "the backend already
//                                    has every blob", so workspace indexing uploads nothing. Sent only when the
//                                    run lasts long enough for background indexing to get there.
//   /batch-upload, /checkpoint-blobs answered for completeness (not seen with the answer above).
//   /report-error                    the CLI's own error reports (e.g. conversion failures); {}.
//   /chat-stream                     the model call; see below.
//   anything else                    {}.
//
// /chat-stream request body (abridged): {model: "" (backend default) or the registry id picked with --model,
//   message: "", chat_history: [...], nodes: [{id:1,type:0,text_node:{content:"<prompt>"}},
//   {id:2,type:4,ide_state_node:{workspace_folders:[…],…}}], tool_definitions: [...~20 tools...],
//   mode: "CLI_NONINTERACTIVE", rules: [...], conversation_id, turn_id, …}.
// /chat-stream response: HTTP 200, newline-delimited JSON, one object per line; each line MUST end in "\n"
//   (the CLI drops a final line without one) and MUST have a string `text` (lines that fail JSON.parse or lack
//   `text` are logged and skipped). The CLI concatenates `text`. Extra data comes as `nodes`:
//     type 10 = {token_usage:{input_tokens, output_tokens, cache_read_input_tokens, cache_creation_input_tokens}}
//     type 9  = {billing_metadata:{transaction_id, credits_consumed, usage_unit}} (only used by --show-cost)
//   and `stop_reason` (1 = END_TURN, optional). Tool-call nodes (type 5) are not produced by this fake.
//
// What the CLI does with our answers (observed; see /tmp/auggie-probe for the experiments):
//   - 401 on /chat-stream: exit 1 at once, stderr "❌ Authentication failed: HTTP error: 401 Unauthorized".
//   - 400 / 403: exit 1 at once ("❌ Invalid request: …" / "❌ Permission denied").
//   - 429, 5xx, a cut connection or connection refused are RETRIED (429 waits Retry-After, else ~10 s; others back
//     off 0.5 s, 1 s, 2 s, …) until --retry-timeout <sec> is used up, by default ONE HOUR. Tests should pass
//     `--retry-timeout 0` (fail on the first error) or a small number; each retry consumes a scripted step.
//     On giving up: exit 1, stderr "❌ Agent execution failed: Request failed after exceeding retry timeout of Ns: …".
//   - An empty completion (no usable text/nodes, e.g. a malformed stream) is retried ONCE (a second /chat-stream,
//     which consumes the next step); if that is empty too the CLI exits 0 and prints NOTHING on stdout.
//   - When a retry succeeds, the JSON result gains `retry_stats: {total_retries, total_backoff_ms, events: […]}`.
//     After a cut stream, the text already received is KEPT: the result is "<partial text><retry's text>".
//   - The `--output-format json` result carries no model and no token usage; with `--show-cost` and the feature
//     flag cli_enable_show_credits it adds `billing` computed from type-9 nodes (this fake sends none). The token
//     usage does land in $HOME/.augment/sessions/<session_id>.json (chatHistory[].exchange.response_nodes),
//     unless --dont-save-session.
//
// Running it (observed): ~1.7–2.5 s per successful run. Give it its own HOME (it writes $HOME/.augment) and TMPDIR
// (it appends its log to $TMPDIR/augment-log.txt). Spawn it asynchronously: a sync spawn (execFileSync) blocks the
// event loop that serves this in-process fake, and the CLI hangs. Write `--workspace-root=DIR` (with "=") or pass
// the prompt with --instruction: `--workspace-root DIR "prompt"` glues the prompt onto the path. Offline it only
// tries one outside host (a ripgrep download from github.com, which fails harmlessly).
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type AuggieStep =
  | { reply: string; usage?: { input: number; output: number; cacheRead?: number }; delayMs?: number }
  | { status: number; body?: unknown } // HTTP error on /chat-stream
  | { malformed: true } // garbage instead of NDJSON
  | { cutAfterChunks: number; reply: string }; // stream some chunks then destroy the socket

export interface RecordedAuggieRequest {
  /** URL path as received (the CLI sends no query string), e.g. `/chat-stream`. */
  path: string;
  /** Node's lower-cased request headers. */
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body; the raw text when it is not JSON; undefined when empty. */
  body: unknown;
  method: string;
  /** When the request arrived (ms since the epoch), to check retry delays. */
  at: number;
}

/** A model in the fake's registry; `--model` accepts the id or the shortName (not the displayName). */
export interface FakeAuggieModel {
  id: string;
  shortName?: string;
  displayName?: string;
}

export interface FakeAuggieBackend {
  /** The tenant URL, `http://127.0.0.1:PORT/` (with the trailing slash). */
  url: string;
  /** Every request, in order. */
  requests: RecordedAuggieRequest[];
  /** Only the /chat-stream requests. */
  chatRequests(): RecordedAuggieRequest[];
  /** Queue answers for /chat-stream; when the queue is empty, reply with defaultReply. */
  script(...steps: AuggieStep[]): void;
  defaultReply: string;
  /** The AUGMENT_SESSION_AUTH JSON for this backend. */
  sessionAuth(): string;
  /** Stop the server, ending every open connection. */
  close(): Promise<void>;
}

export interface FakeAuggieOptions {
  defaultReply?: string;
  /** The bearer token every request must carry (default 'fake-auggie-token'); others get 401. */
  accessToken?: string;
  /** The model registry behind `--model` / `auggie model list`; the first one is the backend default. */
  models?: FakeAuggieModel[];
}

export const DEFAULT_AUGGIE_MODELS: FakeAuggieModel[] = [
  { id: 'fake-model', shortName: 'fake', displayName: 'Fake Model' },
  { id: 'fake-model-large', shortName: 'fake-large', displayName: 'Fake Model Large' },
];

/** The user's prompt as sent in a /chat-stream body: the text of its type-0 (text) request nodes. */
export function auggiePromptText(request: RecordedAuggieRequest): string {
  const body = request.body as { nodes?: { type?: number; text_node?: { content?: string } }[] } | undefined;
  return (body?.nodes ?? [])
    .filter((n) => n.type === 0 && typeof n.text_node?.content === 'string')
    .map((n) => n.text_node?.content ?? '')
    .join('\n');
}

export async function startFakeAuggieBackend(opts: FakeAuggieOptions = {}): Promise<FakeAuggieBackend> {
  const accessToken = opts.accessToken ?? 'fake-auggie-token';
  const models = opts.models && opts.models.length > 0 ? opts.models : DEFAULT_AUGGIE_MODELS;
  const requests: RecordedAuggieRequest[] = [];
  const queue: AuggieStep[] = [];
  const sockets = new Set<Socket>();

  const server = http.createServer((req, res) => {
    void handle(req, res).catch(() => {
      // A bug in the fake or a vanished client: never leave the CLI waiting.
      if (!res.headersSent && !res.destroyed) sendJson(res, 500, { error: 'fake auggie backend failed' });
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const raw = await readBody(req);
    let body: unknown = undefined;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    }
    const path = req.url ?? '/';
    const record: RecordedAuggieRequest = {
      path,
      headers: { ...req.headers },
      body,
      method: req.method ?? 'POST',
      at: Date.now(),
    };
    requests.push(record);

    // The CLI sends `Authorization: Bearer <accessToken>` on every call. A wrong or missing token gets 401
    // everywhere, as the real backend would; the CLI only fails hard when /chat-stream answers 401.
    if (req.headers.authorization !== `Bearer ${accessToken}`) {
      sendJson(res, 401, { error: 'Unauthorized' });
      return;
    }

    switch (path.split('?')[0]) {
      case '/get-models':
        sendJson(res, 200, getModelsBody(models));
        return;
      case '/agents/list-remote-tools':
        sendJson(res, 200, { tools: [] });
        return;
      case '/find-missing':
        sendJson(res, 200, { unknown_memory_names: [], nonindexed_blob_names: [] });
        return;
      case '/batch-upload': {
        const blobs = (body as { blobs?: { blob_name?: string }[] } | undefined)?.blobs ?? [];
        sendJson(res, 200, { blob_names: blobs.map((b) => b.blob_name) });
        return;
      }
      case '/checkpoint-blobs':
        sendJson(res, 200, { new_checkpoint_id: `fake-checkpoint-${requests.length}` });
        return;
      case '/chat-stream':
        await answerChat(res, queue.shift() ?? { reply: fake.defaultReply }, record);
        return;
      default:
        // Settings, MCP configs, get-latest-blobset, report-error, …: an empty object satisfies them.
        sendJson(res, 200, {});
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/`;
  let closing: Promise<void> | undefined;

  const fake: FakeAuggieBackend = {
    url,
    requests,
    defaultReply: opts.defaultReply ?? 'Hello from the fake Augment backend.',
    chatRequests: () => requests.filter((r) => r.path.split('?')[0] === '/chat-stream'),
    script(...steps: AuggieStep[]) {
      queue.push(...steps);
    },
    // `scopes` must be an array or the CLI rejects the session ("No auth provided").
    sessionAuth: () => JSON.stringify({ accessToken, tenantURL: url, scopes: ['email'] }),
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
  return fake;
}

/**
 * The /get-models answer. `default_model` and `models` are required, and each model needs a string `name` and
 * numeric `suggested_prefix_char_count` / `suggested_suffix_char_count`, or the CLI rejects the whole answer.
 * `feature_flags` (snake_case) feed the CLI's flags:
 *   - model_info_registry: a JSON *string* {id: {displayName, shortName, …}}; without it `--model` is ignored
 *     ("Ignoring --model=… because no model options are available.", printed on stdout).
 *   - agent_chat_model: the default model id (shown by `auggie model list`; /chat-stream still gets model "").
 *   - cli_enable_show_credits: lets `--show-cost` add a `billing` object to the JSON result.
 */
function getModelsBody(models: FakeAuggieModel[]): unknown {
  const registry: Record<string, { displayName: string; shortName?: string }> = {};
  for (const m of models) registry[m.id] = { displayName: m.displayName ?? m.id, shortName: m.shortName };
  return {
    default_model: models[0].id,
    models: models.map((m) => ({ name: m.id, suggested_prefix_char_count: 0, suggested_suffix_char_count: 0 })),
    feature_flags: {
      agent_chat_model: models[0].id,
      model_info_registry: JSON.stringify(registry),
      cli_enable_show_credits: true,
    },
  };
}

async function answerChat(res: http.ServerResponse, step: AuggieStep, request: RecordedAuggieRequest): Promise<void> {
  if ('status' in step) {
    // Error bodies are `{"error": "..."}`-shaped; the CLI's stderr shows only the status line, not the body.
    // 429 carries `Retry-After: 0` so that a retry (which consumes the next step) happens at once instead of
    // after the CLI's default 10 s wait.
    const headers: Record<string, string> = step.status === 429 ? { 'retry-after': '0' } : {};
    sendJson(res, step.status, step.body ?? { error: http.STATUS_CODES[step.status] ?? 'error' }, headers);
    return;
  }
  if ('malformed' in step) {
    // Neither line parses as a chat chunk: the CLI logs "JSON parse failed" and sees an empty completion.
    startStream(res);
    await writeChunk(res, 'this is not NDJSON\n');
    await writeChunk(res, '{"text": "unterminated\n');
    res.end();
    return;
  }
  if ('cutAfterChunks' in step) {
    startStream(res);
    const chunks = splitReply(step.reply);
    for (const chunk of chunks.slice(0, Math.max(0, step.cutAfterChunks))) {
      if (!(await writeChunk(res, ndjson({ text: chunk })))) return;
    }
    // The CLI sees "terminated" (a retryable transport error).
    res.socket?.destroy();
    res.destroy();
    return;
  }

  if (step.delayMs) await sleep(step.delayMs);
  startStream(res);
  for (const chunk of splitReply(step.reply)) {
    if (!(await writeChunk(res, ndjson({ text: chunk })))) return;
  }
  const usage = step.usage ?? {
    input: Math.ceil(auggiePromptText(request).length / 4) + 1,
    output: Math.ceil(step.reply.length / 4),
  };
  // The final line: no text, the usage node, and stop_reason 1 (END_TURN).
  const final = {
    text: '',
    nodes: [
      {
        id: 1,
        type: 10,
        token_usage: {
          input_tokens: usage.input,
          output_tokens: usage.output,
          cache_read_input_tokens: usage.cacheRead ?? 0,
          cache_creation_input_tokens: 0,
        },
      },
    ],
    stop_reason: 1,
  };
  if (await writeChunk(res, ndjson(final))) res.end();
}

function startStream(res: http.ServerResponse): void {
  if (!alive(res)) return;
  res.writeHead(200, { 'content-type': 'application/json' });
  res.flushHeaders();
}

function ndjson(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

/** Splits a reply into up to 3 chunks (by code point) that join back exactly; '' gives no chunks. */
function splitReply(text: string): string[] {
  const chars = Array.from(text);
  if (chars.length === 0) return [];
  const size = Math.ceil(chars.length / 3);
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(''));
  return out;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (!alive(res)) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

function alive(res: http.ServerResponse): boolean {
  return !res.destroyed && !res.writableEnded && !(res.socket?.destroyed ?? true);
}

/** Writes `data`; resolves false if the connection is gone. Yields so chunks tend to leave in separate packets. */
function writeChunk(res: http.ServerResponse, data: string): Promise<boolean> {
  return new Promise((resolve) => {
    if (!alive(res)) return resolve(false);
    const onClose = () => resolve(false);
    res.once('close', onClose);
    res.write(data, (err) => {
      res.off('close', onClose);
      setImmediate(() => resolve(!err));
    });
  });
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
