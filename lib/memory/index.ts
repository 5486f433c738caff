// Memory: namespaced entries with versions, TTL, compression, sealing, search and change events.
export { MemoryStore, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, CACHE_MAX_AGE_MS, type MemoryStoreOptions } from './store';
export {
  DEFAULT_SEARCH_LIMIT,
  MAX_SEARCH_LIMIT,
  MAX_QUERY_LENGTH,
  SEARCH_MODES,
  SEMANTIC_CANDIDATES,
  HYBRID_DEPTH,
  RRF_K,
  type SearchHit,
  type SearchInput,
  type SearchMode,
  type SearchResult,
} from './search';
export { createEmbedder, EMBED_TIMEOUT_MS, type Embedder } from './embeddings';
export { DEFAULT_NAMESPACES, MAX_KEY_LENGTH, MAX_NAMESPACE_LENGTH, MAX_TAGS, MAX_TAG_LENGTH } from './names';
export { MAX_TTL_SECONDS } from './prepare';
export { CHARS_PER_TOKEN, retrieveContext, type ContextInput, type RetrievedContext } from './context';
export { EXPORT_FORMAT, EXPORT_VERSION, type ExportManifest, type ExportedEntry } from './export';
export { MAX_IMPORT_BYTES } from './import';
export type { CapturedEntry, RestoreInput, RestoreResult } from './restore';
export { MemoryReader, type ReaderOptions } from './reader';
export { SUMMARY_TAG, type SummaryPlan, type SummarySource } from './summary';
export type * from './types';
