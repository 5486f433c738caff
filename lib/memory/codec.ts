// Values between callers and rows: serialize (JSON or text), compress when large, seal when the
// namespace is sealed. decode(encode(v)) returns v exactly; `size` is always the serialized size.
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import { badRequest, contentTooLarge } from '../errors';
import { open, seal, type KeyRing } from './seal';

export type ValueType = 'json' | 'text';

export interface CodecOptions {
  ring: KeyRing;
  maxValueBytes: number;
  compressBytes: number;
}

/** A value as stored: the bytes and how to read them back. */
export interface StoredValue {
  valueType: ValueType;
  value: Buffer;
  compressed: boolean;
  keyId: string | null;
  size: number;
  storedSize: number;
}

/** How a caller's value is written: strings are text unless `valueType: 'json'` asks otherwise. */
export function serialize(value: unknown, valueType?: ValueType): { valueType: ValueType; bytes: Buffer } {
  if (value === undefined) throw badRequest('value is required (any JSON value, or a string for text)');
  const type: ValueType = valueType ?? (typeof value === 'string' ? 'text' : 'json');
  if (type === 'text') {
    if (typeof value !== 'string') throw badRequest('valueType "text" needs a string value');
    return { valueType: type, bytes: Buffer.from(value, 'utf8') };
  }
  return { valueType: type, bytes: Buffer.from(JSON.stringify(value), 'utf8') };
}

/** The caller's value as it was given to {@link serialize}. */
export function deserialize(valueType: ValueType, bytes: Buffer): unknown {
  const text = bytes.toString('utf8');
  return valueType === 'text' ? text : (JSON.parse(text) as unknown);
}

/** Serialized bytes → stored bytes for the entry (namespace, key). */
export function encode(
  opts: CodecOptions,
  namespace: string,
  key: string,
  valueType: ValueType,
  bytes: Buffer,
  sealed: boolean,
): StoredValue {
  if (bytes.length > opts.maxValueBytes) {
    throw contentTooLarge(
      `value of ${namespace}${key} is ${bytes.length} bytes; the limit is ${opts.maxValueBytes} (CLAUDE_FLOW_MEMORY_MAX_VALUE_BYTES)`,
    );
  }
  let data = bytes;
  let compressed = false;
  if (bytes.length >= opts.compressBytes) {
    const c = brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
    });
    if (c.length < bytes.length) {
      data = c;
      compressed = true;
    }
  }
  let keyId: string | null = null;
  if (sealed) {
    const s = seal(opts.ring, namespace, key, data);
    data = s.data;
    keyId = s.keyId;
  }
  return { valueType, value: data, compressed, keyId, size: bytes.length, storedSize: data.length };
}

/** Stored bytes → serialized bytes (opens sealed blobs, decompresses). */
export function decode(
  ring: KeyRing,
  namespace: string,
  key: string,
  row: Pick<StoredValue, 'value' | 'compressed' | 'keyId'>,
): Buffer {
  let data = row.value;
  if (row.keyId) data = open(ring, row.keyId, namespace, key, data);
  return row.compressed ? brotliDecompressSync(data) : data;
}

/** Metadata as stored: sealed entries keep it as ciphertext too (`{"sealed": "<base64>"}`). */
export function encodeMetadata(
  ring: KeyRing,
  namespace: string,
  key: string,
  metadata: Record<string, unknown>,
  sealed: boolean,
): Record<string, unknown> {
  if (!sealed) return metadata;
  return { sealed: seal(ring, namespace, key, Buffer.from(JSON.stringify(metadata), 'utf8')).data.toString('base64') };
}

/** The caller's metadata from its stored form. */
export function decodeMetadata(
  ring: KeyRing,
  namespace: string,
  key: string,
  stored: Record<string, unknown>,
  keyId: string | null,
): Record<string, unknown> {
  if (!keyId) return stored;
  const plain = open(ring, keyId, namespace, key, Buffer.from(String(stored.sealed), 'base64'));
  return JSON.parse(plain.toString('utf8')) as Record<string, unknown>;
}

/** The words of a value for the search vector: text as is, JSON as its string and number leaves. */
export function searchText(valueType: ValueType, value: unknown): string {
  if (valueType === 'text') return value as string;
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string' || typeof v === 'number') out.push(String(v));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(value);
  return out.join(' ');
}
