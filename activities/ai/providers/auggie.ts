// Auggie: the real `auggie` CLI (@augmentcode/auggie) in print mode with JSON output, run in the
// repository it should work on. Failures are mapped to HTTP-like statuses so the one classifier
// (toAiFailure) decides what is retried.
import { spawn } from 'node:child_process';
import { ApplicationFailure } from '@temporalio/activity';
import type { Config } from '../../../lib/config';
import { emptyUsage, type ModelRequest, type Provider, type ProviderCall, type ProviderReply } from '../types';

interface AuggieResult {
  type?: string;
  result?: string;
  is_error?: boolean;
  usage?: Record<string, number>;
  model?: string;
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
  if (/unauthori[sz]ed|not logged in|authenticat|invalid token|login/.test(s)) return 401;
  if (/rate limit|too many requests/.test(s)) return 429;
  return undefined;
}

export function createAuggieProvider(
  config: Config['ai']['auggie'],
  timeoutMs: number,
  defaultWorkspace: string,
): Provider {
  return {
    name: 'auggie',
    async call({ model, request, signal, onDelta }: ProviderCall): Promise<ProviderReply> {
      const args = ['--print', '--output-format', 'json'];
      if (model && model !== 'default') args.push('--model', model);
      args.push(renderPrompt(request));
      const cwd = request.workspace ?? defaultWorkspace;
      const { code, stdout, stderr } = await run(config.path, args, {
        cwd,
        env: { AUGMENT_SESSION_AUTH: config.sessionAuth ?? '' },
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
      const usage = emptyUsage();
      if (parsed.usage) {
        usage.inputTokens = parsed.usage.input_tokens ?? 0;
        usage.outputTokens = parsed.usage.output_tokens ?? 0;
        usage.cacheReadTokens = parsed.usage.cache_read_input_tokens ?? 0;
        usage.cacheWriteTokens = parsed.usage.cache_creation_input_tokens ?? 0;
      }
      return { text, toolCalls: [], stopReason: 'end_turn', model: parsed.model ?? model, usage };
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
