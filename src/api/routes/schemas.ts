// zod schemas shared by several route plugins (one source of truth for validation and OpenAPI).

import { z } from 'zod';
import {
  DEFAULT_PAGE_LIMIT,
  MAX_PAGE_LIMIT,
  MAX_PAGE_OFFSET,
  ROLES,
  type Sort,
  sortsOf,
} from '../../domain/index.js';

export const roleSchema = z.enum(ROLES);

export const userSchema = z
  .object({
    id: z.string(),
    username: z.string(),
    displayName: z.string().nullable(),
    role: roleSchema,
    isDisabled: z.boolean(),
    createdAt: z.string(),
  })
  .meta({ id: 'User' });

export const tokenSchema = z
  .object({
    id: z.string(),
    username: z.string(),
    name: z.string(),
    createdAt: z.string(),
    expiresAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .meta({ id: 'ApiToken' });

export const errorSchema = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
  })
  .meta({ id: 'Error' });

export const password = z.string().min(1).max(1024);

/** The paging query of a list (docs/api.md): `sort` (`-` descending), `limit` from `offset`. */
export function pageQuery<K extends string>(keys: readonly K[], defaultSort: Sort<K>) {
  return {
    sort: z
      .enum(sortsOf(keys))
      .default(defaultSort as never)
      .describe('a column; `-` first for descending') as z.ZodDefault<z.ZodEnum<{ [S in Sort<K>]: S }>>,
    limit: z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).default(DEFAULT_PAGE_LIMIT),
    offset: z.coerce.number().int().min(0).max(MAX_PAGE_OFFSET).default(0),
  };
}

/** Part of a name to look for, any case. */
export const searchQuery = z.string().trim().max(64).optional();
