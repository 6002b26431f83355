// zod schemas of the workspace files: custos.yaml and the declarations of vendors, sources, datasets,
// purposes, roles and policies. Type-specific source settings are validated by each connector's spec.

import { z } from 'zod';
import { ENTITY_TYPES, ROLES } from '../domain/index.js';

const name = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,62}$/, 'must be lower-case letters, digits, _ or -, starting with a letter');

export const lawfulBases = [
  'consent',
  'contract',
  'legal_duty',
  'public_health',
  'news_public_interest',
  'public_information',
  'other_law',
] as const;

export const workspaceConfigSchema = z
  .object({
    version: z.literal(1),
    organisation: z.object({
      name: z.string().min(1),
      contact: z.string().min(1).optional(),
    }),
    storage: z.string().min(1).default('sqlite:./data/custos.db'),
    locale: z.enum(['zh-CN', 'en']).default('zh-CN'),
    crypto: z
      .object({
        suite: z.enum(['sm', 'aes']).default('sm'),
        keyFile: z.string().min(1).default('keys/keyring.json'),
        /** Only the demo workspace may carry its master secret; anything else takes CUSTOS_MASTER_KEY. */
        demoMasterKey: z.string().min(16).optional(),
      })
      .strict()
      .default({ suite: 'sm', keyFile: 'keys/keyring.json' }),
    server: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8750),
        bodyLimitBytes: z
          .number()
          .int()
          .min(1024)
          .max(64 * 1024 * 1024)
          .default(1024 * 1024),
        secureCookies: z.boolean().default(false),
        sessionIdleMinutes: z.number().int().min(1).max(1440).default(120),
        sessionMaxHours: z.number().int().min(1).max(168).default(12),
      })
      .strict()
      .default({
        host: '127.0.0.1',
        port: 8750,
        bodyLimitBytes: 1024 * 1024,
        secureCookies: false,
        sessionIdleMinutes: 120,
        sessionMaxHours: 12,
      }),
    egress: z
      .object({
        /** Allow sources to reach loopback/private addresses (demo and tests only). */
        allowPrivateNetworks: z.boolean().default(false),
      })
      .strict()
      .default({ allowPrivateNetworks: false }),
    /** DEMO ONLY: start the simulated partner API and seed the partner database on `custos serve`. */
    demo: z
      .object({
        simulators: z.boolean().default(false),
        partnerApiPort: z.number().int().min(1).max(65535).default(8751),
        noticeSitePort: z.number().int().min(1).max(65535).default(8752),
        /** Seed demo consents and collect every dataset once when the server starts. */
        collectOnStart: z.boolean().default(false),
      })
      .strict()
      .optional(),
    classification: z
      .object({
        /** Block a dataset when a field is newly detected as C2/C3 until a compliance officer confirms. */
        requireConfirmation: z.boolean().default(true),
        /** Extends the field-name dictionary: field name → entity type (e.g. `khbh: CN_BANK_ACCOUNT`). */
        fieldNames: z.record(z.string().min(1), z.enum(ENTITY_TYPES)).default({}),
      })
      .strict()
      .default({ requireConfirmation: true, fieldNames: {} }),
  })
  .strict();

export type WorkspaceConfig = z.infer<typeof workspaceConfigSchema>;

export const vendorSchema = z
  .object({
    name,
    legalName: z.string().min(1),
    uscc: z.string().optional(),
    contact: z.string().optional(),
    assessment: z
      .object({
        date: z.iso.date(),
        validUntil: z.iso.date(),
        result: z.enum(['approved', 'conditional', 'rejected']),
        reference: z.string().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type Vendor = z.infer<typeof vendorSchema>;

export const sourceSchema = z
  .object({
    name,
    type: z.enum(['api', 'database', 'file', 'crawler']),
    vendor: name.optional(),
    description: z.string().optional(),
    egress: z
      .object({
        allow: z.array(z.string().min(1)).default([]),
        allowPrivate: z.boolean().default(false),
      })
      .strict()
      .optional(),
  })
  // Connector-specific settings are checked by the connector's own spec.
  .catchall(z.unknown());
export type SourceDeclaration = z.infer<typeof sourceSchema>;

export const purposeSchema = z
  .object({
    name,
    title: z.string().min(1),
    description: z.string().optional(),
    /**
     * Data categories the purpose needs (identity, contact, credit, …). When every purpose of a
     * dataset lists its needs, fields whose `dataCategory` none of them needs are dropped at
     * admission (minimisation). Empty: the purpose does not restrict its datasets' fields.
     */
    needs: z.array(z.string().min(1)).default([]),
  })
  .strict();
export type Purpose = z.infer<typeof purposeSchema>;

const fieldTypes = ['string', 'integer', 'number', 'boolean', 'date', 'datetime', 'json'] as const;

export const datasetFieldSchema = z
  .object({
    type: z.enum(fieldTypes),
    required: z.boolean().default(false),
    format: z.string().optional(),
    from: z.string().optional(),
    /** Declared classification; the classifier may raise it, never lower it. */
    category: z.enum(['C1', 'C2', 'C3', 'public']).optional(),
    level: z.number().int().min(1).max(5).optional(),
    isSensitive: z.boolean().optional(),
    /** What the field is for, matched against the purposes' `needs` (e.g. identity, contact, credit). */
    dataCategory: z.string().min(1).optional(),
  })
  .strict();

export const datasetSchema = z
  .object({
    name,
    title: z.string().optional(),
    source: name,
    stream: z.string().min(1),
    vendor: name.optional(),
    naturalKey: z.array(z.string().min(1)).min(1),
    subjectFields: z.array(z.string().min(1)).default([]),
    purposes: z.array(name).min(1),
    lawfulBasis: z.enum(lawfulBases),
    /**
     * What happens to a record of an erased subject arriving again: `quarantine` (default) keeps a
     * row with reason `erased_subject` and no copy of the values; `drop` keeps nothing but a count.
     */
    onErasedSubject: z.enum(['drop', 'quarantine']).default('quarantine'),
    retention: z.string().regex(/^\d{1,5}[dmy]$/, 'must look like 30d, 18m or 5y'),
    schedule: z.string().optional(),
    fields: z.record(z.string().min(1), datasetFieldSchema),
  })
  .strict();
export type DatasetDeclaration = z.infer<typeof datasetSchema>;

export const roleSchema = z
  .object({
    name,
    title: z.string().min(1),
    base: z.enum(ROLES),
    datasets: z.array(name).default([]),
    purposes: z.array(name).default([]),
  })
  .strict();
export type RoleDeclaration = z.infer<typeof roleSchema>;

export const policySchema = z
  .object({
    name,
    description: z.string().optional(),
    /** Who: a built-in role or a declared role. */
    roles: z.array(z.string().min(1)).min(1),
    datasets: z.array(name).min(1),
    purposes: z.array(name).min(1),
    /** Highest level readable in clear; fields above it are masked. */
    maxClearLevel: z.number().int().min(1).max(5).default(2),
    requiresApproval: z.boolean().default(true),
  })
  .strict();
export type PolicyDeclaration = z.infer<typeof policySchema>;

/** Each declaration file: a top-level key holding a list. */
export const declarationFiles = {
  vendors: { file: 'vendors.yaml', schema: vendorSchema },
  sources: { file: 'sources.yaml', schema: sourceSchema },
  datasets: { file: 'datasets.yaml', schema: datasetSchema },
  purposes: { file: 'purposes.yaml', schema: purposeSchema },
  roles: { file: 'roles.yaml', schema: roleSchema },
  policies: { file: 'policies.yaml', schema: policySchema },
} as const;
