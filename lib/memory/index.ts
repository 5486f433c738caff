// Memory: namespaced entries with versions, TTL, compression, sealing, search and change events.
export { MemoryStore, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './store';
export { DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT, MAX_QUERY_LENGTH, type SearchHit, type SearchInput } from './search';
export { DEFAULT_NAMESPACES, MAX_KEY_LENGTH, MAX_NAMESPACE_LENGTH, MAX_TAGS, MAX_TAG_LENGTH } from './names';
export { MAX_TTL_SECONDS } from './prepare';
export type * from './types';
