// What every command gets: the API client and the output, built from the global options.
import { InvalidArgumentError, type Command } from 'commander';
import { Api } from './client';
import { cliEnv, resolveTarget } from './config';
import { Output } from './output';

export interface GlobalOptions {
  json?: boolean;
  color?: boolean;
  url?: string;
  apiKey?: string;
  profile?: string;
}

export interface Ctx {
  api: Api;
  out: Output;
}

export function makeCtx(opts: GlobalOptions): Ctx {
  const env = cliEnv();
  const tty = Boolean(process.stdout.isTTY);
  const out = new Output({
    json: Boolean(opts.json),
    tty: tty && Boolean(process.stderr.isTTY),
    color: tty && !env.noColor && opts.color !== false,
  });
  return { api: new Api(resolveTarget(opts, env)), out };
}

/**
 * A commander action: `fn(ctx, ...positionals, options)`. Commander passes the positionals, the
 * command's options and the command itself; the options given to `fn` include the global ones.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function action(fn: (ctx: Ctx, ...args: any[]) => Promise<void>) {
  return async (...args: unknown[]): Promise<void> => {
    const cmd = args[args.length - 1] as Command;
    const opts = cmd.optsWithGlobals<GlobalOptions & Record<string, unknown>>();
    const positionals = args.slice(0, -2);
    await fn(makeCtx(opts), ...positionals, opts);
  };
}

/** A positive integer option value. */
export function intOption(name: string, min = 1, max = 1_000_000) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}.`);
    return n;
  };
}

/** A comma-separated list option value. */
export const listOption = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
