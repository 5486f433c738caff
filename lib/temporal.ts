// Temporal connections for clients (API, CLI, tests) and workers, built from configuration.
import fs from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { dataConverterFor, payloadCodec } from './codec';
import type { Config } from './config';
import { temporalClientInterceptors } from './tracing';
import { SEARCH_ATTRIBUTE_KEYS } from '../workflows/contract/search-attributes';

/** Address used when none is configured and nothing embedded provides one. */
export const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';

/** Search attributes every Claude Flow namespace carries (kept current by the workflows), by name. */
export const SEARCH_ATTRIBUTES = Object.fromEntries(SEARCH_ATTRIBUTE_KEYS.map((k) => [k.name, 'Keyword'] as const));

type ConnectOptions = {
  address: string;
  tls?:
    | { clientCertPair?: { crt: Buffer; key: Buffer }; serverRootCACertificate?: Buffer; serverNameOverride?: string }
    | boolean;
  apiKey?: string;
  metadata?: Record<string, string>;
};

function connectOptions(config: Config): ConnectOptions {
  const t = config.temporal;
  const address = t.address ?? DEFAULT_TEMPORAL_ADDRESS;
  if (!t.tls && !t.apiKey) return { address };
  const tls = t.tls
    ? {
        clientCertPair:
          t.tls.cert && t.tls.key ? { crt: fs.readFileSync(t.tls.cert), key: fs.readFileSync(t.tls.key) } : undefined,
        serverRootCACertificate: t.tls.ca ? fs.readFileSync(t.tls.ca) : undefined,
        serverNameOverride: t.tls.serverName,
      }
    : true;
  return { address, tls, apiKey: t.apiKey, metadata: t.apiKey ? { 'temporal-namespace': t.namespace } : undefined };
}

export async function connectClient(config: Config): Promise<Client> {
  const connection = await Connection.connect(connectOptions(config));
  return new Client({
    connection,
    namespace: config.temporal.namespace,
    dataConverter: dataConverterFor(payloadCodec(config.payloads)),
    interceptors: temporalClientInterceptors(),
  });
}

export async function connectWorker(config: Config): Promise<NativeConnection> {
  return NativeConnection.connect(connectOptions(config));
}

/**
 * Registers the project's search attributes where they are missing. Idempotent; on a server that
 * refuses (Temporal Cloud without admin rights) the caller decides whether that matters.
 */
export async function ensureSearchAttributes(client: Client, namespace: string): Promise<string[]> {
  const { IndexedValueType } = temporal.api.enums.v1;
  const existing = await client.connection.operatorService.listSearchAttributes({ namespace });
  const have = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = Object.entries(SEARCH_ATTRIBUTES).filter(([name]) => !have.has(name));
  if (missing.length === 0) return [];
  const searchAttributes: Record<string, number> = {};
  for (const [name, type] of missing) {
    searchAttributes[name] =
      IndexedValueType[`INDEXED_VALUE_TYPE_${type.toUpperCase()}` as keyof typeof IndexedValueType];
  }
  await client.connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
  return missing.map(([name]) => name);
}
