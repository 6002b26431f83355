// Pagination of REST streams: page number, offset, cursor from the body, next link in the body,
// Link header. A position is where the next page starts; it is saved in the source state, so its
// shape is kept stable across versions (a saved state must resume).

import { JSONPath } from 'jsonpath-plus';
import { z } from 'zod';
import type { HttpResponse } from '../http.js';

export const paginationSettings = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }).strict(),
  z
    .object({
      type: z.literal('page'),
      param: z.string().default('page'),
      start: z.number().int().default(1),
      sizeParam: z.string().default('page_size'),
      size: z.number().int().min(1).max(10_000).default(100),
    })
    .strict(),
  z
    .object({
      type: z.literal('offset'),
      param: z.string().default('offset'),
      limitParam: z.string().default('limit'),
      limit: z.number().int().min(1).max(10_000).default(100),
    })
    .strict(),
  z
    .object({
      type: z.literal('cursor'),
      param: z.string().default('cursor'),
      cursorPath: z.string().min(1),
      /** Page size asked for on every request, when set (the API's default otherwise). */
      size: z.number().int().min(1).max(10_000).optional(),
      sizeParam: z.string().min(1).default('limit'),
    })
    .strict(),
  z.object({ type: z.literal('next_link'), path: z.string().min(1) }).strict(),
  z.object({ type: z.literal('link_header') }).strict(),
]);
export type PaginationSettings = z.infer<typeof paginationSettings>;

export interface PagePosition {
  page?: number;
  offset?: number;
  cursor?: string;
  url?: string;
}

export function initialPosition(p: PaginationSettings): PagePosition {
  if (p.type === 'page') return { page: p.start };
  if (p.type === 'offset') return { offset: 0 };
  return {};
}

/** Records of the request read before `position` (an interrupted run's position counts). */
export function recordsBefore(p: PaginationSettings, position: PagePosition): number {
  if (p.type === 'offset') return position.offset ?? 0;
  if (p.type === 'page') return Math.max(0, ((position.page ?? p.start) - p.start) * p.size);
  return 0;
}

/** Sets the query parameters that select the page at `position`. */
export function applyPosition(url: URL, p: PaginationSettings, position: PagePosition): void {
  if (p.type === 'page') {
    url.searchParams.set(p.param, String(position.page ?? p.start));
    url.searchParams.set(p.sizeParam, String(p.size));
  } else if (p.type === 'offset') {
    url.searchParams.set(p.param, String(position.offset ?? 0));
    url.searchParams.set(p.limitParam, String(p.limit));
  } else if (p.type === 'cursor') {
    if (p.size !== undefined) url.searchParams.set(p.sizeParam, String(p.size));
    if (position.cursor !== undefined) url.searchParams.set(p.param, position.cursor);
  }
}

/** Where the page after this one starts, or undefined after the last page. */
export function nextPosition(
  p: PaginationSettings,
  position: PagePosition,
  count: number,
  response: Pick<HttpResponse, 'body' | 'headers' | 'url'>,
  parseJson: (body: Buffer, url: string) => unknown,
): PagePosition | undefined {
  switch (p.type) {
    case 'none':
      return undefined;
    case 'page':
      return count < p.size || count === 0 ? undefined : { page: (position.page ?? p.start) + 1 };
    case 'offset':
      return count < p.limit || count === 0 ? undefined : { offset: (position.offset ?? 0) + count };
    case 'cursor': {
      const value = JSONPath({
        path: p.cursorPath,
        json: parseJson(response.body, response.url) as object,
        wrap: false,
      });
      const cursor = Array.isArray(value) ? value[0] : value;
      return cursor === undefined || cursor === null || cursor === ''
        ? undefined
        : { cursor: String(cursor) };
    }
    case 'next_link': {
      const value = JSONPath({
        path: p.path,
        json: parseJson(response.body, response.url) as object,
        wrap: false,
      });
      const link = Array.isArray(value) ? value[0] : value;
      return typeof link === 'string' && link !== ''
        ? { url: new URL(link, response.url).toString() }
        : undefined;
    }
    case 'link_header': {
      const header = response.headers.link;
      const text = Array.isArray(header) ? header.join(',') : header;
      const match = text ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(text) : null;
      return match ? { url: new URL(match[1]!, response.url).toString() } : undefined;
    }
  }
}
