// The workspace's declared sources as a list a person pages through: filtered by type and by part
// of the name or description, sorted by a column, a page at a time (GET /api/v1/sources). Only
// what the declaration says — never settings or secrets.

import { type Page, type PageOptions, pageOf, parseSort } from '../domain/index.js';
import type { SourceDeclaration } from '../workspace/index.js';

export const SOURCE_SORT_KEYS = ['name', 'type', 'vendor'] as const;
export type SourceSortKey = (typeof SOURCE_SORT_KEYS)[number];

export interface SourceSummary {
  name: string;
  type: string;
  vendor: string | null;
  description: string | null;
}

export interface SourceListOptions extends PageOptions<SourceSortKey> {
  /** Part of the name or description, any case. */
  search?: string;
  type?: string;
}

export function listSources(
  declarations: readonly SourceDeclaration[],
  options: SourceListOptions = {},
): Page<SourceSummary> {
  const { key, direction } = parseSort(options.sort ?? 'name');
  const needle = options.search?.toLowerCase() ?? '';
  const matching = declarations
    .map((s) => ({
      name: s.name,
      type: s.type,
      vendor: s.vendor ?? null,
      description: s.description ?? null,
    }))
    .filter((s) => options.type === undefined || s.type === options.type)
    .filter(
      (s) =>
        needle === '' ||
        s.name.toLowerCase().includes(needle) ||
        (s.description ?? '').toLowerCase().includes(needle),
    )
    .sort((a, b) => {
      const order = (a[key] ?? '').localeCompare(b[key] ?? '') || a.name.localeCompare(b.name);
      return direction === 'asc' ? order : -order;
    });
  return pageOf(matching, options);
}
