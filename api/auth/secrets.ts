// Secrets shown once (API keys, login cookies) and what is stored of them: a sha256.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Config } from '../../lib/config';

/** API keys start with this, so they are recognisable in configs and secret scanners. */
export const KEY_PREFIX = 'cf_live_';

/** A new API key: 32 random bytes, base64url, behind {@link KEY_PREFIX}. */
export function newKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

/** The part of a key that is safe to show: the prefix and 8 characters. */
export function visiblePrefix(key: string): string {
  return key.slice(0, KEY_PREFIX.length + 8);
}

/** A new login cookie value. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Constant-time equality of two secrets (by their hashes, so lengths may differ). */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(Buffer.from(sha256(a), 'hex'), Buffer.from(sha256(b), 'hex'));
}

/** True when `secret` is the bootstrap admin key (CLAUDE_FLOW_API_KEY); constant time. */
export function isBootstrapKey(config: Config, secret: unknown): boolean {
  const admin = config.api.apiKey;
  return admin !== undefined && typeof secret === 'string' && sameSecret(secret, admin);
}
