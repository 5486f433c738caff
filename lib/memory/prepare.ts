// A write, checked and encoded before any SQL runs: every problem with the input surfaces here,
// as a 4xx naming what is wrong, so a write (or a bulk of them) never fails half way for bad input.
import { badRequest } from '../errors';
import { encode, encodeMetadata, searchText, serialize, type CodecOptions, type StoredValue } from './codec';
import { keyProblem, namespaceProblem, tagsProblem } from './names';
import type { Provenance, SetInput } from './types';

/** Longest lifetime a TTL may give (ten years). */
export const MAX_TTL_SECONDS = 10 * 365 * 24 * 3600;
/** Characters of a value's text that go into its search vector. */
const MAX_SEARCH_CHARS = 100_000;

export interface PreparedWrite {
  namespace: string;
  key: string;
  stored: StoredValue;
  metadata: Record<string, unknown>;
  tags: string[];
  expiresAt: Date | null;
  provenance: Provenance;
  expectedVersion: number | undefined;
  /** Words for the vector's C weight; empty for sealed entries. */
  valueText: string;
}

/** Throws a 400 naming the first invalid field. */
export function checkName(namespace: unknown, key?: unknown): void {
  const problem = namespaceProblem(namespace) ?? (key === undefined ? undefined : keyProblem(key));
  if (problem) throw badRequest(problem);
}

function expiry(input: SetInput, now: Date): Date | null {
  if (input.ttlSeconds !== undefined && input.expiresAt !== undefined) {
    throw badRequest('give ttlSeconds or expiresAt, not both');
  }
  if (input.ttlSeconds !== undefined) {
    const t = input.ttlSeconds;
    if (!Number.isInteger(t) || t < 1 || t > MAX_TTL_SECONDS) {
      throw badRequest(`ttlSeconds must be a whole number of seconds, 1-${MAX_TTL_SECONDS}; got ${String(t)}`);
    }
    return new Date(now.getTime() + t * 1000);
  }
  if (input.expiresAt !== undefined) {
    const d = new Date(input.expiresAt);
    if (Number.isNaN(d.getTime())) throw badRequest(`expiresAt "${String(input.expiresAt)}" is not a date (ISO 8601)`);
    if (d.getTime() <= now.getTime())
      throw badRequest(`expiresAt ${d.toISOString()} is in the past; give a future time`);
    return d;
  }
  return null;
}

/** Validates and encodes one write; `sealed` says whether its namespace is sealed. */
export function prepareWrite(opts: CodecOptions, input: SetInput, sealed: boolean, now = new Date()): PreparedWrite {
  checkName(input.namespace, input.key);
  const tags = [...new Set(input.tags ?? [])];
  const tagProblem = tagsProblem(tags);
  if (tagProblem) throw badRequest(tagProblem);
  const ev = input.expectedVersion;
  if (ev !== undefined && (!Number.isInteger(ev) || ev < 0)) {
    throw badRequest(`expectedVersion must be a whole number >= 0 (0: the entry must not exist); got ${String(ev)}`);
  }
  const metadata = input.metadata ?? {};
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw badRequest('metadata must be a JSON object');
  }
  const expiresAt = expiry(input, now);
  const { valueType, bytes } = serialize(input.value, input.valueType);
  const stored = encode(opts, input.namespace, input.key, valueType, bytes, sealed);
  return {
    namespace: input.namespace,
    key: input.key,
    stored,
    metadata: encodeMetadata(opts.ring, input.namespace, input.key, metadata, sealed),
    tags,
    expiresAt,
    provenance: input.provenance ?? {},
    expectedVersion: ev,
    valueText: sealed ? '' : searchText(valueType, input.value).slice(0, MAX_SEARCH_CHARS),
  };
}
