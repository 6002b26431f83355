// zod schemas shared by several route plugins (one source of truth for validation and OpenAPI).

import { z } from 'zod';
import { ROLES } from '../../domain/index.js';

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
