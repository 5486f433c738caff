// Auggie: the real `auggie` CLI (@augmentcode/auggie) in print mode with JSON output, run in the
// repository it should work on. Failures are mapped to HTTP-like statuses so the one classifier
// (toAiFailure) decides what is retried.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import type { Config } from '../../../lib/config';
import { emptyUsage, type ModelRequest, type Provider, type ProviderCall, type ProviderReply } from '../types';

interface AuggieResult {
  type?: string;
  result?: string;
  is_error?: boolean;
  session_id?: string;
}

interface TokenUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
}

/** An auggie failure carrying the status it most resembles, for the shared classifier. */
export class AuggieError extends Error {
  override name = 'AuggieError';
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
  }
}

/** auggie takes one prompt: the system prompt and the conversation, rendered as text. */
export function renderPrompt(request: ModelRequest): string {
  const parts: string[] = [];
  if (request.system) parts.push(request.system.trim());
  const history = request.messages.slice(0, -1);
  if (history.length) {
    parts.push(
      'Conversation so far:\n' +
        history.map((m) => `${m.role === 'user' ? 'User' : 'Assistant'}: ${m.content}`).join('\n\n'),
    );
  }
  const last = request.messages[request.messages.length - 1];
  if (last) parts.push(last.content);
  return parts.join('\n\n');
}

/** Reads the status a failure most resembles out of auggie's stderr. */
export function statusFromStderr(stderr: string): number | undefined {
  const s = stderr.toLowerCase();
  const code = /\b(4\d\d|5\d\d)\b/.exec(s)?.[1];
  if (code) return Number(code);
  if (/unauthori[sz]ed|not logged in|authenticat|invalid token|no auth provided|login/.test(s)) return 401;
  if (/permission denied|forbidden/.test(s)) return 403;
  if (/rate limit|too many requests/.test(s)) return 429;
  return undefined;
}

/**
 * Token usage is not in auggie's JSON output; it is in the session file auggie writes under
 * $HOME/.augment/sessions/. Read it (best effort), then remove the file so the folder stays small.
 */
function readUsage(home: string, sessionId: string | undefined) {
  const usage = emptyUsage();
  if (!sessionId || !/^[A-Za-z0-9-]+$/.test(sessionId)) return usage;
  const file = path.join(home, '.augment', 'sessions', `${sessionId}.json`);
  try {
    const session = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      chatHistory?: { exchange?: { response_nodes?: { token_usage?: TokenUsage }[] } }[];
    };
    for (const turn of session.chatHistory ?? []) {
      for (const node of turn.exchange?.response_nodes ?? []) {
        const u = node.token_usage;
        if (!u) continue;
        usage.inputTokens += u.input_tokens ?? 0;
        usage.outputTokens += u.output_tokens ?? 0;
        usage.cacheReadTokens += u.cache_read_input_tokens ?? 0;
        usage.cacheWriteTokens += u.cache_creation_input_tokens ?? 0;
      }
    }
    fs.rmSync(file, { force: true });
  } catch {
    // no session file: usage unknown, recorded as zero
  }
  return usage;
}

/**
 * @param home auggie's HOME and TMPDIR: a folder of Claude Flow's, so runs neither depend on nor
 *   write into the user's own auggie settings, and usage can be read back from the session file.
 */
export function createAuggieProvider(
  config: Config['ai']['auggie'],
  timeoutMs: number,
  defaultWorkspace: string,
  home: string,
): Provider {
  return {
    name: 'auggie',
    async call({ model, request, signal, onDelta }: ProviderCall): Promise<ProviderReply> {
      const cwd = request.workspace ?? defaultWorkspace;
      // --retry-timeout 0: Temporal owns retries (auggie would otherwise retry for up to an hour).
      // The prompt goes in --instruction: a bare argument after --workspace-root is taken as a path.
      const args = ['--print', '--output-format', 'json', `--workspace-root=${cwd}`, '--retry-timeout', '0'];
      if (model && model !== 'default') args.push('--model', model);
      args.push('--instruction', renderPrompt(request));
      fs.mkdirSync(home, { recursive: true });
      const { code, stdout, stderr } = await run(config.path, args, {
        cwd,
        env: { AUGMENT_SESSION_AUTH: config.sessionAuth ?? '', HOME: home, TMPDIR: home },
        timeoutMs,
        signal,
      });
      let parsed: AuggieResult | undefined;
      try {
        // The JSON result is the last line auggie prints.
        const line = stdout.trim().split('\n').filter(Boolean).pop() ?? '';
        parsed = JSON.parse(line) as AuggieResult;
      } catch {
        parsed = undefined;
      }
      if (code !== 0 || !parsed || parsed.is_error) {
        const reason = (stderr.trim() || parsed?.result || stdout.trim() || `exit code ${code}`)
          .split('\n')
          .slice(-3)
          .join(' ');
        const status = code === 0 && !parsed ? undefined : statusFromStderr(reason);
        throw new AuggieError(
          !parsed && code === 0
            ? `auggie printed no JSON result (Unexpected output: ${reason.slice(0, 200)})`
            : `auggie exited with code ${code}: ${reason}`,
          status,
        );
      }
      const text = String(parsed.result ?? '');
      onDelta?.(text);
      return { text, toolCalls: [], stopReason: 'end_turn', model, usage: readUsage(home, parsed.session_id) };
    },
  };
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(
  file: string,
  args: string[],
  opts: { cwd: string; env: Record<string, string>; timeoutMs: number; signal: AbortSignal },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    // auggie inherits our environment (PATH, HOME) plus its session; detached so a timeout or a
    // cancellation kills everything it started.
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env }, // eslint-disable-line no-restricted-properties -- passed through to the CLI
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const kill = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      kill();
      reject(new AuggieError(`auggie did not answer within ${opts.timeoutMs} ms (timeout)`, 408));
    }, opts.timeoutMs);
    const onAbort = () => {
      kill();
      reject(new AuggieError('auggie call cancelled', undefined));
    };
    opts.signal.addEventListener('abort', onAbort, { once: true });
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        err.code === 'ENOENT'
          ? ApplicationFailure.create({
              type: 'AiNotConfigured',
              nonRetryable: true,
              message: `auggie not found at ${file}: run \`npm install\` or set AUGGIE_PATH`,
            })
          : err,
      );
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      opts.signal.removeEventListener('abort', onAbort);
      resolve({ code, stdout, stderr });
    });
  });
}
