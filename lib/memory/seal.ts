// Sealing: AES-256-GCM with a 12-byte random IV, bound to the entry's namespace and key (as
// additional authenticated data), so ciphertext moved to another entry fails to open.
// Layout of a sealed blob: IV (12) | auth tag (16) | ciphertext.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { unavailable } from '../errors';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The keys a store can seal and open with: `current` seals, every key in `byId` opens. */
export interface KeyRing {
  current: { id: string; key: Buffer } | undefined;
  byId: Map<string, Buffer>;
}

/** A key's id: the first 16 hex digits of its SHA-256 (identifies the key, reveals nothing of it). */
export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** A ring from the configured current and previous keys (either may be absent). */
export function keyRing(current: Buffer | undefined, previous: Buffer | undefined): KeyRing {
  const byId = new Map<string, Buffer>();
  for (const k of [previous, current]) if (k) byId.set(keyId(k), k);
  return { current: current ? { id: keyId(current), key: current } : undefined, byId };
}

const aad = (namespace: string, key: string) => Buffer.from(`${namespace}\u0000${key}`, 'utf8');

/** Encrypts `plain` for the entry (namespace, key) with the ring's current key. */
export function seal(ring: KeyRing, namespace: string, key: string, plain: Buffer): { keyId: string; data: Buffer } {
  if (!ring.current) {
    throw unavailable(
      `namespace "${namespace}" is sealed and no memory key is configured: set CLAUDE_FLOW_MEMORY_KEY (32 bytes, e.g. \`openssl rand -base64 32\`)`,
    );
  }
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', ring.current.key, iv);
  cipher.setAAD(aad(namespace, key));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return { keyId: ring.current.id, data: Buffer.concat([iv, cipher.getAuthTag(), body]) };
}

/** Decrypts a blob sealed for (namespace, key) with the key `id`; fails clearly when that key is not configured. */
export function open(ring: KeyRing, id: string, namespace: string, key: string, data: Buffer): Buffer {
  const k = ring.byId.get(id);
  if (!k) {
    throw unavailable(
      `entry ${namespace}${key} is sealed with key id ${id}, which is neither CLAUDE_FLOW_MEMORY_KEY nor CLAUDE_FLOW_MEMORY_PREVIOUS_KEY: configure that key to read it`,
    );
  }
  const decipher = createDecipheriv('aes-256-gcm', k, data.subarray(0, IV_BYTES));
  decipher.setAAD(aad(namespace, key));
  decipher.setAuthTag(data.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(data.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
}
