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

/** Mask kinds of access policies (src/governance/masks.ts, docs/access.md). */
export const MASK_KINDS = [
  'mask',
  'show_last_4',
  'show_first_4',
  'hash',
  'null',
  'none',
  'date_show_year',
  'resident_id',
  'mobile',
  'bank_card',
  'name',
  'address',
  'uscc',
] as const;
export type MaskKind = (typeof MASK_KINDS)[number];

/** A mask that hides: `none` (clear) is not one. */
const hidingMask = z
  .enum(MASK_KINDS)
  .refine((kind) => kind !== 'none', 'a default mask cannot be none (clear)');

/** An IANA time zone name. */
const timeZoneSchema = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    // Intl throws RangeError for an unknown zone: that is the answer, not an error to report.
    return false;
  }
}, 'unknown IANA time zone');

const reference = z
  .string()
  .regex(
    /^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$/,
    'must be a reference: env:NAME or file:path (never the secret itself)',
  );
const windowRule = (threshold: number, windowMinutes: number) =>
  z
    .object({
      threshold: z.number().int().min(1).default(threshold),
      windowMinutes: z.number().int().min(1).max(10_080).default(windowMinutes),
      isEnabled: z.boolean().default(true),
    })
    .strict()
    .default({ threshold, windowMinutes, isEnabled: true });

/** Security monitoring (docs/security.md): rules with a threshold and a window, and where alerts go. */
const monitoringSchema = z
  .object({
    rules: z
      .object({
        failedSignInsPerAddress: windowRule(10, 10),
        failedSignInsOverall: windowRule(50, 10),
        secondFactorFailures: windowRule(5, 10),
        bulkRead: windowRule(1000, 60),
        failedRuns: windowRule(1, 60),
        stalledRuns: windowRule(1, 30),
        quarantineSpike: windowRule(100, 60),
        grantsExpiring: windowRule(1, 72 * 60),
        auditVerification: windowRule(1, 60),
        /** Reads of data at `minLevel` or above outside `monitoring.workingHours`, per actor. */
        sensitiveReadsOutOfHours: z
          .object({
            threshold: z.number().int().min(1).default(1),
            windowMinutes: z.number().int().min(1).max(10_080).default(60),
            isEnabled: z.boolean().default(true),
            /** JR/T 0197 level from which a read counts (default 4). */
            minLevel: z.number().int().min(1).max(5).default(4),
          })
          .strict()
          .prefault({}),
        /** Refusals (policy refusals and roles refused a route) per principal. */
        refusalBurst: windowRule(10, 10),
        /** Addresses an API token was first used from, when it had been used from another before. */
        tokenNewAddress: windowRule(1, 60),
      })
      .strict()
      .prefault({}),
    /** Working hours for the out-of-hours rule: weekdays (1 = Monday … 7 = Sunday) and HH:MM times. */
    workingHours: z
      .object({
        timeZone: timeZoneSchema.default('Asia/Shanghai'),
        days: z.array(z.number().int().min(1).max(7)).min(1).default([1, 2, 3, 4, 5]),
        start: z
          .string()
          .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM')
          .default('09:00'),
        end: z
          .string()
          .regex(/^([01]\d|2[0-4]):[0-5]\d$/, 'HH:MM')
          .default('18:00'),
      })
      .strict()
      .refine((w) => w.start < w.end, { message: 'start must be before end', path: ['end'] })
      .prefault({}),
    /** Minutes between full audit-log verifications under `custos serve` (against the trust file). */
    verifyEveryMinutes: z.number().int().min(1).max(10_080).default(60),
    webhook: z
      .object({
        url: z.url(),
        /** Shared secret for the signature header. */
        secret: reference,
        signature: z.enum(['hmac-sha256', 'hmac-sm3']).default('hmac-sha256'),
      })
      .strict()
      .optional(),
    email: z
      .object({
        host: z.string().min(1),
        port: z.number().int().min(1).max(65535).default(587),
        /** Implicit TLS (port 465); otherwise STARTTLS is required unless allowInsecure. */
        secure: z.boolean().default(false),
        allowInsecure: z.boolean().default(false),
        username: z.string().min(1).optional(),
        password: reference.optional(),
        from: z.string().min(3),
        to: z.array(z.string().min(3)).min(1),
      })
      .strict()
      .optional(),
  })
  .strict();

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
        /** HTTPS for `custos serve` (docs/security.md): PEM files relative to the workspace. */
        tls: z
          .object({
            cert: z.string().min(1),
            key: z.string().min(1),
            minVersion: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2'),
            /** CA bundle whose client certificates are asked for; with requireClientCert, demanded. */
            clientCa: z.string().min(1).optional(),
            requireClientCert: z.boolean().default(false),
          })
          .strict()
          .optional(),
        /** A reverse proxy in front terminates TLS: a non-loopback bind without `tls` is then allowed. */
        behindTlsProxy: z.boolean().default(false),
        /**
         * Addresses or CIDR ranges of the reverse proxies in front: only from these is
         * `X-Forwarded-For` believed for the client address (rate limits, monitoring, audit entries).
         */
        trustedProxies: z
          .array(z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()]))
          .max(64)
          .default([]),
      })
      .strict()
      .default({
        host: '127.0.0.1',
        port: 8750,
        bodyLimitBytes: 1024 * 1024,
        secureCookies: false,
        sessionIdleMinutes: 120,
        sessionMaxHours: 12,
        behindTlsProxy: false,
        trustedProxies: [],
      }),
    monitoring: monitoringSchema.prefault({}),
    /** Sign-in and passwords (docs/security.md). */
    security: z
      .object({
        signIn: z
          .object({
            /** Roles that must sign in with a second factor (TOTP). */
            secondFactorRoles: z.array(z.enum(ROLES)).default(['admin', 'compliance_officer']),
            /** Sign-in attempts per client address per minute, and over all addresses. */
            perAddressPerMinute: z.number().int().min(1).max(10_000).default(30),
            globalPerMinute: z.number().int().min(1).max(100_000).default(600),
          })
          .strict()
          .default({
            secondFactorRoles: ['admin', 'compliance_officer'],
            perAddressPerMinute: 30,
            globalPerMinute: 600,
          }),
        passwords: z
          .object({
            minLength: z.number().int().min(8).max(256).default(12),
            /** Of lower-case, upper-case, digits, other characters (1–4). */
            minCharacterClasses: z.number().int().min(1).max(4).default(1),
          })
          .strict()
          .default({ minLength: 12, minCharacterClasses: 1 }),
        /** Vulnerability and posture scans (`custos scan`, docs/security.md). */
        scan: z
          .object({
            /** More enabled admin accounts than this is a finding. */
            maxAdmins: z.number().int().min(1).max(1000).default(3),
            /** Seconds `npm audit` may take before the dependency check counts as not done. */
            dependencyTimeoutSeconds: z.number().int().min(5).max(600).default(60),
            /** Cron expression: `custos serve` runs a scan (posture and dependencies) at these times. */
            schedule: z.string().min(1).optional(),
          })
          .strict()
          .default({ maxAdmins: 3, dependencyTimeoutSeconds: 60 }),
      })
      .strict()
      .default({
        signIn: {
          secondFactorRoles: ['admin', 'compliance_officer'],
          perAddressPerMinute: 30,
          globalPerMinute: 600,
        },
        passwords: { minLength: 12, minCharacterClasses: 1 },
        scan: { maxAdmins: 3, dependencyTimeoutSeconds: 60 },
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
    /** Data-subject requests (docs/consent-and-rights.md). */
    rights: z
      .object({
        /** Working days (Mon–Fri, minus `holidays`) to answer a request; a request may set its own. */
        deadlineWorkingDays: z.number().int().min(1).max(90).default(15),
        /** The time zone working days are counted in. */
        timeZone: timeZoneSchema.default('Asia/Shanghai'),
        /** Public holidays (YYYY-MM-DD) that are not working days. */
        holidays: z.array(z.iso.date()).default([]),
      })
      .strict()
      .default({ deadlineWorkingDays: 15, timeZone: 'Asia/Shanghai', holidays: [] }),
    /** Retention enforcement under `custos serve` (docs/consent-and-rights.md). */
    retention: z
      .object({
        /** Cron expression of the retention job; `off` to run it only by `custos retention run`. */
        schedule: z.string().min(1).default('30 2 * * *'),
      })
      .strict()
      .default({ schedule: '30 2 * * *' }),
    access: z
      .object({
        /** Mask of a field above the reader's clearance when no policy names one, by entity type. */
        defaultMasks: z.partialRecord(z.enum(ENTITY_TYPES), hidingMask).default({}),
        /** Mask of such a field when neither a policy nor its entity type names one. */
        fallbackMask: hidingMask.default('mask'),
      })
      .strict()
      .default({ defaultMasks: {}, fallbackMask: 'mask' }),
    consent: z
      .object({
        /**
         * What a withdrawal does beyond stopping collection and reads for its purposes: `keep` the
         * records stored (default), or `erase` the subject (crypto-shredding, PIPL Art. 47) once
         * no purpose with consent remains.
         */
        onWithdrawal: z.enum(['keep', 'erase']).default('keep'),
      })
      .strict()
      .default({ onWithdrawal: 'keep' }),
    /** Compliance audits and the thresholds their checks use (docs/compliance.md). */
    compliance: z
      .object({
        /** Cron expression: `custos serve` runs a compliance audit at these times. */
        auditSchedule: z.string().min(1).optional(),
        /** PIPL Art. 54 "regularly": the longest gap between two audits. */
        auditIntervalDays: z.number().int().min(1).max(3660).default(90),
        /** Key-encryption keys are rotated at least this often. */
        kekRotationDays: z.number().int().min(1).max(3660).default(365),
        /** An enabled account unused for longer is reported. */
        inactiveAccountDays: z.number().int().min(1).max(3660).default(90),
        /** A tree head must have been exported (witnessed) within this many days. */
        treeHeadExportDays: z.number().int().min(1).max(3660).default(30),
        /** Vendor assessments expiring within this many days are warned. */
        vendorExpiryWarningDays: z.number().int().min(1).max(366).default(30),
        /** Records per dataset the clear-part scan reads (the latest first). */
        scanSampleSize: z.number().int().min(1).max(1_000_000).default(5000),
        /** Open incidents not notified after this many hours fail PIPL-57. */
        incidentNotificationHours: z.number().int().min(1).max(720).default(72),
        /** A vulnerability and posture scan must have run within this many days (GB/T 22239). */
        vulnerabilityScanDays: z.number().int().min(1).max(366).default(30),
      })
      .strict()
      .default({
        auditIntervalDays: 90,
        kekRotationDays: 365,
        inactiveAccountDays: 90,
        treeHeadExportDays: 30,
        vendorExpiryWarningDays: 30,
        scanSampleSize: 5000,
        incidentNotificationHours: 72,
        vulnerabilityScanDays: 30,
      }),
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
    /**
     * What the vendor is to us: a `supplier` of data (the default), a `processor` we entrust
     * (PIPL Art. 21, needs a contract) or a `recipient` we provide data to (Art. 23).
     */
    relationship: z.enum(['supplier', 'processor', 'recipient']).default('supplier'),
    /** Reference of the contract with the vendor (PIPL Art. 21, 23). */
    contract: z.string().min(1).optional(),
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

/** One version of a purpose's notice (the text shown to the person when asked for consent). */
export const noticeSchema = z
  .object({
    version: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/, 'must be letters, digits, ., _ or -'),
    effective: z.iso.date(),
    /** A material change (new purpose, data, recipient…): earlier consents no longer count. */
    material: z.boolean().default(true),
    text: z.string().min(1).optional(),
  })
  .strict();
export type Notice = z.infer<typeof noticeSchema>;

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
    /**
     * The notice texts people consent to, oldest first; the last is current. A consent is for one
     * version; a `material` version (the default) requires consent again to its version or a later
     * one (PIPL Art. 14, 17). Empty: consents carry no version.
     */
    notices: z.array(noticeSchema).default([]),
  })
  .strict()
  .refine((p) => new Set(p.notices.map((n) => n.version)).size === p.notices.length, {
    message: 'notice versions must be unique',
    path: ['notices'],
  });
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

/** Kinds of dataset: `records` are stored; a `consent` feed's records go into the consent ledger. */
export const DATASET_KINDS = ['records', 'consent'] as const;

/**
 * The fields a `consent` dataset declares (renamed from the partner's names with `from`), their
 * types and whether each is required; its one subject field holds the person's identifier.
 */
export const CONSENT_FEED_FIELDS = {
  purpose: { type: 'string', required: true },
  /** granted | withdrawn */
  action: { type: 'string', required: true },
  at: { type: 'datetime', required: true },
  /** The partner's consent record id. */
  evidence: { type: 'string', required: true },
  notice_version: { type: 'string', required: false },
  separate: { type: 'boolean', required: false },
  cross_border: { type: 'boolean', required: false },
  channel: { type: 'string', required: false },
} as const;

export const datasetSchema = z
  .object({
    name,
    title: z.string().optional(),
    kind: z.enum(DATASET_KINDS).default('records'),
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
    /**
     * The declared date field retention counts from (a `date`/`datetime` field stored in clear, e.g.
     * a contract's end); absent, or empty in a record: the time the record's version was collected.
     */
    retentionFrom: z.string().min(1).optional(),
    /** Legal hold: retention deletes nothing of this dataset while it is set. */
    legalHold: z.boolean().default(false),
    schedule: z.string().optional(),
    fields: z.record(z.string().min(1), datasetFieldSchema),
    /** Provision to third parties (PIPL Art. 23): checked by the compliance controls. */
    sharing: z
      .array(
        z
          .object({
            /** A vendor of vendors.yaml (relationship `recipient`). */
            recipient: name,
            contract: z.string().min(1).optional(),
            /** The purpose the subjects' separate consent to the provision is recorded under. */
            consentPurpose: name.optional(),
          })
          .strict(),
      )
      .default([]),
    /**
     * Provision outside mainland China (PIPL Arts. 38–39), one entry per recipient. A dataset with
     * any entry needs, under `lawfulBasis: consent`, consents that include the separate consent to
     * the transfer (`crossBorder` on the consent).
     */
    crossBorder: z
      .array(
        z
          .object({
            recipient: z.string().min(1),
            /** ISO 3166 code or region name. */
            country: z.string().min(1),
            /** Art. 38: CAC security assessment, certification, or standard contract. */
            mechanism: z.enum(['security_assessment', 'certification', 'standard_contract']).optional(),
            reference: z.string().min(1).optional(),
            /** Art. 39: the purpose the separate consent to the transfer is recorded under. */
            consentPurpose: name.optional(),
          })
          .strict(),
      )
      .default([]),
    /** The dataset feeds decisions made by automated means (PIPL Art. 24, 55). */
    automatedDecisions: z.boolean().default(false),
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
    /** Users holding this role (their built-in role must be `base`). */
    users: z.array(z.string().min(1)).default([]),
  })
  .strict();
export type RoleDeclaration = z.infer<typeof roleSchema>;

// --- access policies (docs/access.md) ---

/** Which fields an item covers; every given criterion must hold, an empty matcher covers all fields. */
export const fieldMatcherSchema = z
  .object({
    names: z.array(z.string().min(1)).min(1).optional(),
    /** JR/T 0171 category; `public` = not personal information. */
    categories: z
      .array(z.enum(['C1', 'C2', 'C3', 'public']))
      .min(1)
      .optional(),
    /** JR/T 0197 levels. */
    levels: z.array(z.number().int().min(1).max(5)).min(1).optional(),
    dataCategories: z.array(z.string().min(1)).min(1).optional(),
    isSensitive: z.boolean().optional(),
  })
  .strict();
export type FieldMatcher = z.infer<typeof fieldMatcherSchema>;

/** Who and for what an item or exception applies; an omitted list means the policy's own. */
const conditionShape = {
  roles: z.array(z.string().min(1)).min(1).optional(),
  users: z.array(z.string().min(1)).min(1).optional(),
  purposes: z.array(name).min(1).optional(),
  fields: fieldMatcherSchema.optional(),
};
export const policyConditionSchema = z.object(conditionShape).strict();
export type PolicyCondition = z.infer<typeof policyConditionSchema>;

export const policyItemSchema = z
  .object({ ...conditionShape, exceptions: z.array(policyConditionSchema).default([]) })
  .strict();
export type PolicyItem = z.infer<typeof policyItemSchema>;

export const policyMaskSchema = z.object({ fields: fieldMatcherSchema, mask: z.enum(MASK_KINDS) }).strict();
export type PolicyMask = z.infer<typeof policyMaskSchema>;

/** A structured condition on a field stored in clear; never SQL text. */
export type RowCondition =
  | { field: string; eq: string | number | boolean }
  | { field: string; ne: string | number | boolean }
  | { field: string; in: Array<string | number> }
  | { field: string; notIn: Array<string | number> }
  | { field: string; gt: string | number }
  | { field: string; gte: string | number }
  | { field: string; lt: string | number }
  | { field: string; lte: string | number }
  | { field: string; isNull: boolean }
  | { all: RowCondition[] }
  | { any: RowCondition[] };

const scalar = z.union([z.string(), z.number()]);
export const rowConditionSchema: z.ZodType<RowCondition> = z.lazy(() =>
  z.union([
    z.object({ field: z.string().min(1), eq: z.union([z.string(), z.number(), z.boolean()]) }).strict(),
    z.object({ field: z.string().min(1), ne: z.union([z.string(), z.number(), z.boolean()]) }).strict(),
    z.object({ field: z.string().min(1), in: z.array(scalar).min(1) }).strict(),
    z.object({ field: z.string().min(1), notIn: z.array(scalar).min(1) }).strict(),
    z.object({ field: z.string().min(1), gt: scalar }).strict(),
    z.object({ field: z.string().min(1), gte: scalar }).strict(),
    z.object({ field: z.string().min(1), lt: scalar }).strict(),
    z.object({ field: z.string().min(1), lte: scalar }).strict(),
    z.object({ field: z.string().min(1), isNull: z.boolean() }).strict(),
    z.object({ all: z.array(rowConditionSchema).min(1) }).strict(),
    z.object({ any: z.array(rowConditionSchema).min(1) }).strict(),
  ]),
);

export const rowFilterSchema = z
  .object({
    roles: z.array(z.string().min(1)).min(1).optional(),
    users: z.array(z.string().min(1)).min(1).optional(),
    /** Only records satisfying this condition are returned to the principals above. */
    where: rowConditionSchema,
  })
  .strict();
export type RowFilter = z.infer<typeof rowFilterSchema>;

const localDateTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?$/, 'must be YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]');

export const validitySchema = z
  .object({
    /** Local date-times in `timeZone`; the policy applies from `start` (inclusive) to `end` (exclusive). */
    start: localDateTime.optional(),
    end: localDateTime.optional(),
    timeZone: z
      .string()
      .refine((zone) => {
        try {
          new Intl.DateTimeFormat('en-US', { timeZone: zone });
          return true;
        } catch {
          // Intl throws RangeError for an unknown zone: that is the answer, not an error to report.
          return false;
        }
      }, 'unknown IANA time zone')
      .default('Asia/Shanghai'),
  })
  .strict();
export type Validity = z.infer<typeof validitySchema>;

export const policySchema = z
  .object({
    name,
    description: z.string().optional(),
    /** Who: built-in or declared roles, and named users. At least one of roles and users. */
    roles: z.array(z.string().min(1)).default([]),
    users: z.array(z.string().min(1)).default([]),
    datasets: z.array(name).min(1),
    purposes: z.array(name).min(1),
    /** Highest level readable in clear; fields above it are always masked. */
    maxClearLevel: z.number().int().min(1).max(5).default(2),
    /** Reads under this policy need an approved, unexpired grant. */
    requiresApproval: z.boolean().default(true),
    /** Longest grant an access request under this policy may ask for. */
    maxGrantDays: z.number().int().min(1).max(366).default(90),
    /** Approvals a request needs; `level5` applies when it covers a level-5 field. */
    approvals: z
      .object({
        required: z.number().int().min(1).max(3).default(1),
        level5: z.number().int().min(1).max(3).default(2),
      })
      .strict()
      .default({ required: 1, level5: 2 }),
    validity: validitySchema.optional(),
    /** Absent: one allow item over the policy's principals, purposes and every field. */
    allow: z.array(policyItemSchema).optional(),
    deny: z.array(policyItemSchema).default([]),
    masks: z.array(policyMaskSchema).default([]),
    rowFilters: z.array(rowFilterSchema).default([]),
  })
  .strict()
  .refine((p) => p.roles.length + p.users.length > 0, {
    message: 'a policy names at least one role or user',
    path: ['roles'],
  });
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
