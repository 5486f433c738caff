// The shapes the memory store takes and returns.
import type { ValueType } from './codec';

export type { ValueType };

/** Who wrote an entry. */
export interface Provenance {
  sessionId?: string;
  workflowId?: string;
  user?: string;
  /** The checkpoint a session's rollback restored this from. */
  rollbackOf?: string;
  /** The checkpoint a fork was seeded from. */
  forkOf?: string;
}

/** One write. */
export interface SetInput {
  namespace: string;
  key: string;
  /** Any JSON value; a string is text unless `valueType` is `json`. */
  value: unknown;
  valueType?: ValueType;
  tags?: string[];
  metadata?: Record<string, unknown>;
  /** Lifetime in seconds from now; exclusive with `expiresAt`. */
  ttlSeconds?: number;
  /** When the entry stops existing; must be in the future; exclusive with `ttlSeconds`. */
  expiresAt?: Date | string;
  provenance?: Provenance;
  /** Write only if the entry's current version is this (0: only if it does not exist). */
  expectedVersion?: number;
}

/** An entry without its value. */
export interface MemoryEntryInfo {
  namespace: string;
  key: string;
  valueType: ValueType;
  tags: string[];
  metadata: Record<string, unknown>;
  version: number;
  expiresAt: string | null;
  provenance: Provenance;
  /** Serialized bytes of the value. */
  size: number;
  /** Bytes as stored (after compression and sealing). */
  storedSize: number;
  compressed: boolean;
  sealed: boolean;
  /** Set when this sealed entry's value and metadata are withheld from the reader (see reader.ts). */
  withheld?: true;
  createdAt: string;
  updatedAt: string;
}

export interface MemoryEntry extends MemoryEntryInfo {
  value: unknown;
}

/** A past (or the current) version of an entry. */
export type MemoryVersion = Omit<MemoryEntry, 'createdAt' | 'updatedAt'> & { writtenAt: string };

/** Filters shared by list and search. */
export interface EntryFilter {
  /** Namespace prefix: `code/` matches `code/` and `code/x/`. */
  namespace?: string;
  /** Entries carrying every one of these tags. */
  tags?: string[];
  /** Entries carrying none of these tags. */
  excludeTags?: string[];
  /** Last written at or after. */
  from?: Date | string;
  /** Last written before. */
  to?: Date | string;
}

export interface ListInput extends EntryFilter {
  /** From a previous page's `nextCursor`. */
  cursor?: string;
  limit?: number;
}

export interface ListPage {
  entries: MemoryEntry[];
  /** Absent on the last page. */
  nextCursor?: string;
}

export interface NamespaceStats {
  namespace: string;
  entries: number;
  /** Serialized bytes of the values. */
  bytes: number;
  storedBytes: number;
  sealed: boolean;
  lastWrittenAt: string;
}

/** What a live event on `memory:<namespace>` carries. */
export interface MemoryChange {
  namespace: string;
  key: string;
  version: number;
  actor: Provenance;
}
