// The crawler's settings in sources.yaml: seeds, scope, politeness, checkpoints and the streams'
// declarative extraction (CSS selectors → fields).

import { z } from 'zod';

export const fieldRule = z.union([
  z.string().min(1),
  z
    .object({
      selector: z.string().min(1),
      attr: z.string().optional(),
      transform: z.enum(['trim', 'number', 'date', 'collapse']).optional(),
    })
    .strict(),
]);
export type FieldRule = z.infer<typeof fieldRule>;

export const crawlerSettings = z
  .object({
    startUrls: z.array(z.string().url()).min(1),
    /**
     * The product token robots.txt groups are matched against (`User-agent: <token>`), sent first
     * in the user agent before Custos's own product and the organisation's contact. RFC 9309
     * §2.2.1: letters, `_` and `-` only. Default: `Custos`.
     */
    productToken: z
      .string()
      .regex(/^[A-Za-z_-]+$/u, 'a product token has only letters, "_" and "-" (RFC 9309 §2.2.1)')
      .max(64)
      .optional(),
    sitemap: z.boolean().default(true),
    maxPages: z.number().int().min(1).max(1_000_000).default(1_000),
    maxDepth: z.number().int().min(0).max(10_000).default(10),
    include: z.array(z.string()).default([]),
    exclude: z.array(z.string()).default([]),
    politeness: z
      .object({
        minDelayMs: z.number().int().min(0).max(600_000).default(1_000),
        perHostConcurrency: z.number().int().min(1).max(16).default(1),
        concurrency: z.number().int().min(1).max(64).default(4),
      })
      .strict()
      .default({ minDelayMs: 1_000, perHostConcurrency: 1, concurrency: 4 }),
    timeoutMs: z.number().int().min(100).max(120_000).default(20_000),
    /** Pages between checkpoints (one batch per this many pages). */
    pagesPerBatch: z.number().int().min(1).max(10_000).default(20),
    streams: z.record(
      z.string().min(1),
      z
        .object({
          /** Regular expression on path and query of the pages this stream extracts from. */
          match: z.string().min(1),
          /** One record per element matching this selector (list pages); default: one per page. */
          items: z.string().optional(),
          fields: z.record(z.string().min(1), fieldRule),
        })
        .strict(),
    ),
  })
  .strict();
export type CrawlerSettings = z.infer<typeof crawlerSettings>;
export type CrawlerStream = CrawlerSettings['streams'][string];
