// Where the CLI finds the API: flags, then the environment, then a profile in
// ~/.claude-flow/config.json (`{"profiles": {"default": {"url", "apiKey"}}}`).
// An explicit --profile wins over the environment; the implicit "default" profile does not.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from './errors';

export const DEFAULT_URL = 'http://127.0.0.1:3000';

/** The environment variables the CLI reads, read in this one place. */
export interface CliEnv {
  url?: string;
  apiKey?: string;
  home: string;
  noColor: boolean;
  /** CLAUDE_FLOW_DEBUG: print stack traces of unexpected errors. */
  debug: boolean;
}

export function cliEnv(): CliEnv {
  // The CLI is a separate program: its own settings come from its environment, not lib/config.ts.
  // eslint-disable-next-line no-restricted-properties
  const env = process.env;
  return {
    url: env.CLAUDE_FLOW_URL || undefined,
    apiKey: env.CLAUDE_FLOW_API_KEY || undefined,
    home: env.HOME || os.homedir(),
    noColor: env.NO_COLOR !== undefined && env.NO_COLOR !== '',
    debug: Boolean(env.CLAUDE_FLOW_DEBUG),
  };
}

export interface Profile {
  url?: string;
  apiKey?: string;
}

export function configPath(env: CliEnv): string {
  return path.join(env.home, '.claude-flow', 'config.json');
}

function readProfiles(file: string): Record<string, Profile> | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file} is not valid JSON (${(err as Error).message}): fix or remove it`);
  }
  const profiles = (doc as { profiles?: unknown })?.profiles;
  if (profiles === undefined) return {};
  if (typeof profiles !== 'object' || profiles === null || Array.isArray(profiles)) {
    throw new UsageError(`${file}: "profiles" must be an object such as {"default": {"url": "…", "apiKey": "…"}}`);
  }
  for (const [name, p] of Object.entries(profiles as Record<string, unknown>)) {
    const ok =
      typeof p === 'object' &&
      p !== null &&
      ['url', 'apiKey'].every(
        (k) => (p as Record<string, unknown>)[k] === undefined || typeof (p as Record<string, unknown>)[k] === 'string',
      );
    if (!ok) throw new UsageError(`${file}: profile "${name}" must be {"url": "<string>", "apiKey": "<string>"}`);
  }
  return profiles as Record<string, Profile>;
}

export interface Target {
  url: string;
  apiKey?: string;
}

export function resolveTarget(flags: { url?: string; apiKey?: string; profile?: string }, env: CliEnv): Target {
  const file = configPath(env);
  const profiles = readProfiles(file);
  let profile: Profile | undefined;
  if (flags.profile) {
    profile = profiles?.[flags.profile];
    if (!profile) {
      const known = Object.keys(profiles ?? {});
      throw new UsageError(
        `no profile "${flags.profile}" in ${file}` +
          (known.length
            ? ` (it has: ${known.join(', ')})`
            : ': add {"profiles": {"' + flags.profile + '": {"url": "…", "apiKey": "…"}}}'),
      );
    }
  }
  const fallback = profiles?.default;
  const url = flags.url ?? (flags.profile ? profile?.url : undefined) ?? env.url ?? fallback?.url ?? DEFAULT_URL;
  const apiKey =
    flags.apiKey ?? (flags.profile ? profile?.apiKey : undefined) ?? env.apiKey ?? fallback?.apiKey ?? undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`the API URL "${url}" is not a URL: use e.g. ${DEFAULT_URL}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new UsageError(`the API URL "${url}" must start with http:// or https://`);
  return { url: url.replace(/\/+$/, ''), apiKey };
}
