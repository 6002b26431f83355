// A page of a list (users, tokens, sources): `limit` items from `offset`, sorted by a named column
// (`-` for descending), and the total that matched — the same query parameters as runs and
// quarantine (docs/api.md, paging).

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 500;
/** The largest offset a page may start at (deep pages: narrow the filter instead). */
export const MAX_PAGE_OFFSET = 100_000;

export type Sort<K extends string> = K | `-${K}`;

export interface PageOptions<K extends string> {
  sort?: Sort<K>;
  limit?: number;
  offset?: number;
}

export interface Page<T> {
  items: T[];
  /** Every match, across all pages. */
  total: number;
}

/** Every sort value of `keys`: each ascending and descending. */
export function sortsOf<K extends string>(keys: readonly K[]): [Sort<K>, ...Sort<K>[]] {
  return keys.flatMap((k) => [k, `-${k}`] as Sort<K>[]) as [Sort<K>, ...Sort<K>[]];
}

export function parseSort<K extends string>(sort: Sort<K>): { key: K; direction: 'asc' | 'desc' } {
  return sort.startsWith('-')
    ? { key: sort.slice(1) as K, direction: 'desc' }
    : { key: sort as K, direction: 'asc' };
}

/** A case-insensitive "contains" for SQL `lower(column) LIKE ? ESCAPE '\'`: `%`, `_` and `\` match themselves. */
export function containsPattern(needle: string): string {
  return `%${needle.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** A page of an in-memory list (the workspace's sources): sorted, filtered already, then cut. */
export function pageOf<T>(items: readonly T[], options: { limit?: number; offset?: number }): Page<T> {
  const offset = options.offset ?? 0;
  return { items: items.slice(offset, offset + (options.limit ?? DEFAULT_PAGE_LIMIT)), total: items.length };
}
