// Encrypted Temporal payloads: every client and worker encodes payloads with AES-256-GCM, so
// workflow inputs, results and history are ciphertext on the Temporal server. The key id travels
// in the payload metadata; older keys stay configured for decoding until histories age out.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A short, stable id for a key (never the key itself). */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

export class CodecKeyError extends Error {
  override name = 'CodecKeyError';
}

/**
 * Encodes with the current key; decodes with whichever configured key the payload names.
 * Payloads that are not encrypted pass through decode unchanged (history written before a key
 * was configured stays readable).
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly keys = new Map<string, Buffer>();
  private readonly currentId: string;

  constructor(current: Buffer, previous: Buffer[] = []) {
    for (const k of [current, ...previous]) {
      if (k.length !== 32) throw new CodecKeyError('payload keys must be 32 bytes (AES-256)');
      this.keys.set(keyIdOf(k), k);
    }
    this.currentId = keyIdOf(current);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.keys.get(this.currentId) as Buffer;
    return payloads.map((p) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const plain = temporal.api.common.v1.Payload.encode(p).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: {
          [METADATA_ENCODING_KEY]: encoder.encode(ENCRYPTED_ENCODING),
          [KEY_ID]: encoder.encode(this.currentId),
        },
        data,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => {
      const encoding = p.metadata?.[METADATA_ENCODING_KEY];
      if (!encoding || decoder.decode(encoding) !== ENCRYPTED_ENCODING) return p;
      const id = p.metadata?.[KEY_ID] ? decoder.decode(p.metadata[KEY_ID]) : '';
      const key = this.keys.get(id);
      if (!key) {
        throw new CodecKeyError(
          `payload was encrypted with key ${id}, which is not configured: add it to CLAUDE_FLOW_PAYLOAD_PREVIOUS_KEYS`,
        );
      }
      const data = Buffer.from(p.data ?? new Uint8Array());
      const iv = data.subarray(0, IV_BYTES);
      const tag = data.subarray(data.length - TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAuthTag(tag);
      const plain = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}

/** The data converter options every client and worker uses (plain payloads when no key is set). */
export function dataConverterFor(codec: PayloadCodec | undefined): { payloadCodecs: PayloadCodec[] } | undefined {
  return codec ? { payloadCodecs: [codec] } : undefined;
}

/** The codec configuration asks for, or undefined (plain payloads) when no key is set. */
export function payloadCodec(payloads: {
  key: Buffer | undefined;
  previousKeys: Buffer[];
}): AesGcmPayloadCodec | undefined {
  return payloads.key ? new AesGcmPayloadCodec(payloads.key, payloads.previousKeys) : undefined;
}
