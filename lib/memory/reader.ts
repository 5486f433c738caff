// Reading memory on someone's behalf. A sealed entry's value and metadata are plaintext only for a
// reader allowed to see them (the API: the admin role); anyone else gets the entry with its value
// and metadata withheld and `withheld: true`, whichever way they reached it (a list with no
// namespace filter, a tag filter, a search, versions). The check is here, where data is read, not
// where a route is matched.
import type { SearchHit, SearchInput, SearchResult } from './search';
import type { MemoryStore } from './store';
import type { ListInput, ListPage, MemoryEntry, MemoryVersion } from './types';

export interface ReaderOptions {
  /** Whether sealed values and metadata are returned in plaintext. */
  revealSealed: boolean;
}

export class MemoryReader {
  constructor(
    private readonly store: MemoryStore,
    private readonly opts: ReaderOptions,
  ) {}

  private withhold<T extends { namespace: string; metadata: Record<string, unknown>; withheld?: true }>(e: T): T {
    if (this.opts.revealSealed || !this.store.isSealed(e.namespace)) return e;
    return { ...e, ...('value' in e ? { value: null } : {}), metadata: {}, withheld: true };
  }

  async get(namespace: string, key: string): Promise<MemoryEntry | undefined> {
    const e = await this.store.get(namespace, key);
    return e && this.withhold(e);
  }

  async list(input: ListInput = {}): Promise<ListPage> {
    const page = await this.store.list(input);
    return { ...page, entries: page.entries.map((e) => this.withhold(e)) };
  }

  async versions(namespace: string, key: string): Promise<MemoryVersion[]> {
    return (await this.store.versions(namespace, key)).map((v) => this.withhold(v));
  }

  async search(input: SearchInput): Promise<SearchHit[]> {
    return (await this.searchResult(input)).hits;
  }

  async searchResult(input: SearchInput): Promise<SearchResult> {
    const r = await this.store.searchResult(input);
    return { ...r, hits: r.hits.map((h) => this.withhold(h)) };
  }
}
