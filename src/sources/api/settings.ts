// The REST connector's settings in sources.yaml: base URL, auth, TLS, rate limit, retries, circuit
// breaker, and per stream its path, query, record selection, pagination and incremental cursor.

import { z } from 'zod';
import { secretRef } from '../secrets.js';
import { authSettings } from './auth.js';
import { paginationSettings } from './pagination.js';

export const streamSettings = z
  .object({
    path: z.string().min(1),
    /** Fixed query parameters; numbers and booleans are sent as written in YAML (`limit: 100`). */
    query: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
    /** JSONPath of the records in each page (default: the body itself when it is an array). */
    records: z.string().default('$[*]'),
    pagination: paginationSettings.default({ type: 'none' }),
    /** JSONPath of the total number of records the request matches, when the API reports one (progress). */
    total: z.string().min(1).optional(),
    primaryKey: z.array(z.string()).default([]),
    incremental: z
      .object({
        cursorField: z.string().min(1),
        param: z.string().min(1),
        /** Re-read this far back (30m, 2h, 1d; or a number for numeric cursors) to catch late updates. */
        lookback: z.union([z.string(), z.number()]).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type StreamSettings = z.infer<typeof streamSettings>;

export const apiSettings = z
  .object({
    baseUrl: z.string().url(),
    auth: authSettings.default({ type: 'none' }),
    tls: z
      .object({ ca: z.string().optional(), cert: z.string().optional(), key: secretRef.optional() })
      .strict()
      .optional(),
    timeoutMs: z.number().int().min(100).max(300_000).default(30_000),
    rateLimit: z
      .object({ requestsPerSecond: z.number().positive(), burst: z.number().int().min(1).optional() })
      .strict()
      .optional(),
    retries: z
      .object({ max: z.number().int().min(0).max(20).optional(), baseMs: z.number().int().min(1).optional() })
      .strict()
      .optional(),
    circuitBreaker: z
      .object({
        failures: z.number().int().min(1).optional(),
        cooldownMs: z.number().int().min(1).optional(),
      })
      .strict()
      .optional(),
    streams: z.record(z.string().min(1), streamSettings),
  })
  .strict();
export type ApiSettings = z.infer<typeof apiSettings>;
