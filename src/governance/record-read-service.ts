// The governed read path (DESIGN.md "Governance: using the data"): who is asking, for which
// purpose, under which grant → only records the row filters and consents allow → decrypt only the
// fields that must be shown or masked from their value → mask → one audit entry per read (actor,
// purpose, grant, dataset, fields, counts; never a value). A record whose ciphertext fails
// authentication is reported as damaged by key instead of failing the read.

import { createHmac } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  type CipherSuite,
  hashAlgorithmOf,
  IDENTIFIER_KINDS,
  type IdentifierKind,
  normaliseIdentifier,
  open,
  seal,
} from '../crypto/index.js';
import {
  type AuditTrail,
  actorOf,
  IntegrityError,
  isCustosError,
  NotFoundError,
  type Principal,
  ValidationError,
} from '../domain/index.js';
import type { Database } from '../store/index.js';
import { conditionFields, type RowCondition, rowConditionSchema } from '../workspace/index.js';
import type { AccessPolicyService, ReadPermission } from './access-policy-service.js';
import { consentingSubjects } from './consent-check.js';
import type { KeyService } from './key-service.js';
import { applyMask, needsClearValue } from './masks.js';
import { Pseudonymiser } from './pseudonym.js';
import { type ReadableRecord, type RecordReader, SUBJECT_INDEX_FIELD } from './record-reader.js';
import { matchesRow } from './row-filter.js';
import { subjectIdOf } from './subject-id.js';

export interface RecordItem {
  /** The natural key; a pseudonym (`p_…`) when a natural-key field is not shown in clear to the reader. */
  key: string;
  version: number;
  collectedAt: string;
  /** When the record was deleted at source (change data capture); absent while it exists there. */
  deletedAtSource?: string;
  fields: Record<string, unknown>;
}

/** Records left out of a read, and why (counts only). */
export interface Withheld {
  /** Consent-based dataset, subject without consent for the purpose (or without a subject). */
  noConsent: number;
  /** Excluded by the policy's row filters or the caller's filter. */
  filtered: number;
  /** Deleted at source and left out because the read asked so (`includeDeleted: false`). */
  deletedAtSource: number;
}

export interface RecordPageResult {
  items: RecordItem[];
  nextCursor: string | null;
  withheld: Withheld;
  /** Keys of records whose ciphertext failed authentication (their content is not returned). */
  damaged: string[];
  /** Records whose subject's key was destroyed (erased): left out, counted. */
  erased: number;
  grant: string | null;
}

export interface ReadOptions {
  purpose: string;
  fields?: readonly string[];
}

/** How a read treats records deleted at source (change data capture). */
export interface DeletionOptions {
  /**
   * Records deleted at source are kept by Custos until retention removes them: included by
   * default, each flagged with `deletedAtSource`; false leaves them out (counted in withheld).
   */
  includeDeleted?: boolean;
}

export interface ListOptions extends ReadOptions, DeletionOptions {
  /** A structured condition over fields the reader sees in clear (JSON of a row condition). */
  filter?: RowCondition;
  limit?: number;
  cursor?: string;
}

const MAX_PAGE = 1000;

export class RecordReadService {
  constructor(
    private readonly reader: RecordReader,
    private readonly policy: AccessPolicyService,
    private readonly keys: () => KeyService,
    private readonly db: Kysely<Database>,
    private readonly audit: AuditTrail,
  ) {}

  /** Parses a `filter=` query value: JSON of a row condition. */
  static parseFilter(text: string): RowCondition {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      // Not JSON: report the shape expected, not the text (it may hold a value).
      throw new ValidationError('filter must be JSON such as {"field":"region","in":["east"]}', {
        field: 'filter',
      });
    }
    const parsed = rowConditionSchema.safeParse(value);
    if (!parsed.success)
      throw new ValidationError(
        'filter is not a row condition (field + eq|ne|in|notIn|gt|gte|lt|lte|isNull, or all/any)',
        {
          field: 'filter',
        },
      );
    return parsed.data;
  }

  async list(principal: Principal, datasetName: string, options: ListOptions): Promise<RecordPageResult> {
    const permission = await this.policy.authorise(principal, datasetName, options.purpose, options.fields);
    if (options.filter) checkFilter(permission, options.filter);
    const limit = Math.min(MAX_PAGE, Math.max(1, options.limit ?? 100));
    const cursor = options.cursor === undefined ? undefined : this.openCursor(datasetName, options.cursor);
    const page = await this.reader.readCurrent(datasetName, {
      limit,
      ...(cursor === undefined ? {} : { cursor }),
    });
    const shaped = await this.shape(permission, page.records, {
      ...(options.filter ? { filter: options.filter } : {}),
      includeDeleted: options.includeDeleted ?? true,
    });
    const result: RecordPageResult = {
      ...shaped,
      nextCursor: page.next === null ? null : this.sealCursor(datasetName, page.next),
      grant: permission.grant?.id ?? null,
    };
    await this.recordRead(principal, 'records.read', permission, result);
    return result;
  }

  async get(
    principal: Principal,
    datasetName: string,
    key: string,
    options: ReadOptions,
  ): Promise<RecordItem> {
    const permission = await this.policy.authorise(principal, datasetName, options.purpose, options.fields);
    const records = await this.reader.readRecords(datasetName, [key]);
    const shaped = await this.shape(permission, records);
    await this.recordRead(principal, 'records.get', permission, {
      ...shaped,
      grant: permission.grant?.id ?? null,
    });
    if (shaped.damaged.length > 0)
      throw new IntegrityError('the stored record is damaged: its ciphertext failed authentication', {
        dataset: datasetName,
        damaged: 1,
      });
    const item = shaped.items[0];
    // Withheld (no consent, filtered) and erased records are as absent as unknown ones.
    if (!item)
      throw new NotFoundError(`no readable record with that key in ${datasetName}`, { dataset: datasetName });
    return item;
  }

  /**
   * Finds a person across the datasets the principal may read for the purpose, through the blind
   * index (their subject link and every indexed identifier field): the identifier is never stored,
   * logged or audited. Datasets the principal may not read are named with the refusal code.
   */
  async lookup(
    principal: Principal,
    identifier: string,
    purpose: string,
  ): Promise<{
    matches: Array<{ dataset: string; items: RecordItem[]; withheld: Withheld; damaged: string[] }>;
    skipped: Array<{ dataset: string; code: string }>;
  }> {
    const trimmed = identifier.trim();
    if (trimmed.length === 0 || trimmed.length > 256)
      throw new ValidationError('identifier must be 1–256 characters', { field: 'identifier' });
    const keys = this.keys();
    const matches: Array<{ dataset: string; items: RecordItem[]; withheld: Withheld; damaged: string[] }> =
      [];
    const skipped: Array<{ dataset: string; code: string }> = [];
    let searched = 0;
    for (const dataset of this.policy.datasets) {
      if (!dataset.purposes.includes(purpose)) continue;
      let permission: ReadPermission;
      try {
        permission = await this.policy.authorise(principal, dataset.name, purpose, undefined, {
          isProbe: true,
        });
      } catch (error) {
        if (isCustosError(error) && error.code !== 'internal') {
          skipped.push({ dataset: dataset.name, code: error.code });
          continue;
        }
        throw error;
      }
      searched += 1;
      const confirmed = await this.findSubject(dataset.name, trimmed, subjectIdOf(keys, trimmed));
      if (confirmed.length === 0) continue;
      const shaped = await this.shape(permission, confirmed);
      await this.recordRead(principal, 'subjects.lookup', permission, {
        ...shaped,
        grant: permission.grant?.id ?? null,
      });
      if (shaped.items.length + shaped.damaged.length > 0)
        matches.push({
          dataset: dataset.name,
          items: shaped.items,
          withheld: shaped.withheld,
          damaged: shaped.damaged,
        });
    }
    if (searched === 0)
      await this.audit.record([
        {
          actor: actorOf(principal),
          action: 'subjects.lookup',
          target: 'datasets:none',
          purpose,
          details: { skipped },
        },
      ]);
    return { matches, skipped };
  }

  /**
   * The current records of a dataset that belong to a person, found through the blind index: the
   * subject link (`subjectId`) and, with the identifier, every indexed identifier field whose value
   * is the identifier now. Not shaped, not audited: the caller reads them under its own rule (the
   * governed lookup above, or a data-subject request).
   */
  async findSubject(
    datasetName: string,
    identifier: string | undefined,
    subjectId: string,
  ): Promise<ReadableRecord[]> {
    const dataset = this.policy.dataset(datasetName);
    const keys = this.keys();
    const candidates = new Map<string, Array<{ field: string; kind: IdentifierKind } | 'subject'>>();
    const add = (key: string, how: { field: string; kind: IdentifierKind } | 'subject') =>
      candidates.set(key, [...(candidates.get(key) ?? []), how]);
    const linked = dataset.subjectFields.length > 0 ? subjectId : undefined;
    if (linked)
      for (const key of await this.reader.findByIndex(dataset.name, SUBJECT_INDEX_FIELD, linked))
        add(key, 'subject');
    if (identifier !== undefined)
      for (const field of await this.policy.fieldFacts(dataset)) {
        const kind = field.entity ? IDENTIFIER_KINDS[field.entity] : undefined;
        if (!kind) continue;
        const hash = keys.blindIndex(kind, identifier);
        for (const key of await this.reader.findByIndex(dataset.name, field.name, hash))
          add(key, { field: field.name, kind });
      }
    if (candidates.size === 0) return [];
    const records = await this.reader.readRecords(dataset.name, [...candidates.keys()]);
    // Index entries outlive a changed value: keep only records that hold the identifier now.
    return this.confirm(records, candidates, linked, identifier);
  }

  /**
   * Authenticates every stored record of a dataset (opens each ciphertext without keeping or showing
   * it) and names the damaged ones by key. Records of erased subjects are counted, not damaged.
   */
  async verify(
    datasetName: string,
    actor: string,
  ): Promise<{ dataset: string; checked: number; sealed: number; damaged: string[]; erased: number }> {
    this.policy.dataset(datasetName);
    const keys = this.keys();
    let cursor: string | undefined;
    const damaged: string[] = [];
    let checked = 0;
    let sealed = 0;
    let erased = 0;
    do {
      const page = await this.reader.readCurrent(datasetName, {
        limit: MAX_PAGE,
        ...(cursor ? { cursor } : {}),
      });
      checked += page.records.length;
      const withCipher = page.records.filter((r) => r.sealed !== null);
      sealed += withCipher.length;
      const opened = await keys.openEach(
        withCipher.map((r) => ({ subjectId: r.sealingSubject, ciphertext: r.sealed! })),
      );
      opened.forEach((outcome, i) => {
        if ('failure' in outcome) {
          if (outcome.failure === 'damaged') damaged.push(withCipher[i]!.naturalKey);
          else erased += 1;
        }
      });
      cursor = page.next ?? undefined;
    } while (cursor !== undefined);
    await this.audit.record([
      {
        actor,
        action: 'records.verify',
        target: `dataset:${datasetName}`,
        details: { checked, sealed, damaged: damaged.length, erased },
      },
    ]);
    return { dataset: datasetName, checked, sealed, damaged, erased };
  }

  /**
   * Records of the permission's dataset shaped for the reader: consent and filters applied, the
   * needed personal fields decrypted, masks applied. Exposed for the export, which pages itself.
   */
  async shape(
    permission: ReadPermission,
    records: readonly ReadableRecord[],
    options: { filter?: RowCondition; includeDeleted?: boolean } = {},
  ): Promise<{ items: RecordItem[]; withheld: Withheld; damaged: string[]; erased: number }> {
    const { filter, includeDeleted = true } = options;
    const withheld: Withheld = { noConsent: 0, filtered: 0, deletedAtSource: 0 };
    let kept = records.filter((r) => {
      if (!includeDeleted && r.deletedAt !== null) {
        withheld.deletedAtSource += 1;
        return false;
      }
      const ok =
        permission.rowFilters.every((f) => matchesRow(f.where, r.fields)) &&
        (!filter || matchesRow(filter, r.fields));
      if (!ok) withheld.filtered += 1;
      return ok;
    });
    const dataset = permission.dataset;
    if (dataset.lawfulBasis === 'consent') {
      const consenting = await consentingSubjects(
        this.db,
        this.policy.purposes,
        kept.flatMap((r) => (r.subjectId === null ? [] : [r.subjectId])),
        permission.purpose,
        { separate: permission.needsSeparateConsent, crossBorder: permission.needsCrossBorderConsent },
      );
      kept = kept.filter((r) => {
        const ok = r.subjectId !== null && consenting.has(r.subjectId);
        if (!ok) withheld.noConsent += 1;
        return ok;
      });
    }

    const sealedFields = new Set(
      permission.fields
        .filter((f) => f.facts.category === 'C2' || f.facts.category === 'C3')
        .map((f) => f.field),
    );
    const shownSealed = permission.fields.filter((f) => sealedFields.has(f.field));
    // Decrypt only a record one of whose shown fields needs its value: clear, or a mask computed
    // from the value. A `hash` mask takes its pseudonym from the blind index kept with the record.
    const mustOpen = (record: ReadableRecord): boolean =>
      record.sealed !== null &&
      shownSealed.some(
        (f) =>
          f.access === 'clear' ||
          needsClearValue(
            f.mask ?? 'none',
            record.indexHashes !== null && Object.hasOwn(record.indexHashes, f.field),
          ),
      );
    const damaged: string[] = [];
    let erased = 0;
    const opened = new Map<ReadableRecord, Record<string, unknown>>();
    const toOpen = kept.filter(mustOpen);
    if (toOpen.length > 0) {
      const outcomes = await this.keys().openEach(
        toOpen.map((r) => ({ subjectId: r.sealingSubject, ciphertext: r.sealed! })),
      );
      outcomes.forEach((outcome, i) => {
        const record = toOpen[i]!;
        if ('fields' in outcome) opened.set(record, outcome.fields);
        else if (outcome.failure === 'damaged') damaged.push(record.naturalKey);
        else erased += 1;
      });
    }
    // Records shown without opening still leave erased people out (their key was shredded).
    const unopened = kept.filter((r) => r.sealed !== null && !mustOpen(r));
    const erasedSubjects =
      unopened.length === 0 || shownSealed.length === 0
        ? new Set<string>()
        : await this.keys().erasedAmong(unopened.map((r) => r.sealingSubject));
    kept = kept.filter((r) => {
      if (r.sealed === null) return true;
      if (mustOpen(r)) return opened.has(r);
      if (erasedSubjects.has(r.sealingSubject)) {
        erased += 1;
        return false;
      }
      return true;
    });

    const pseudonyms = this.pseudonymiser(permission);
    const items = kept.map((record) => {
      const personal = opened.get(record) ?? {};
      const fields: Record<string, unknown> = {};
      for (const decision of permission.fields) {
        const value = Object.hasOwn(record.fields, decision.field)
          ? record.fields[decision.field]
          : personal[decision.field];
        if (decision.access === 'clear') fields[decision.field] = value ?? null;
        else if (
          decision.mask === 'hash' &&
          record.indexHashes !== null &&
          Object.hasOwn(record.indexHashes, decision.field)
        ) {
          const hash = record.indexHashes[decision.field];
          fields[decision.field] = hash === null || hash === undefined ? null : pseudonyms().fromIndex(hash);
        } else {
          const kind = (decision.facts.entity && IDENTIFIER_KINDS[decision.facts.entity]) || 'text';
          fields[decision.field] = applyMask(decision.mask ?? 'mask', value, (text) =>
            pseudonyms().fromValue(kind, text),
          );
        }
      }
      return {
        key: permission.isKeyClear ? record.naturalKey : pseudonyms().fromValue('text', record.naturalKey),
        version: record.version,
        collectedAt: record.collectedAt,
        ...(record.deletedAt === null ? {} : { deletedAtSource: record.deletedAt }),
        fields,
      };
    });
    return { items, withheld, damaged, erased };
  }

  /** Audits one read: who, purpose, grant, dataset, fields and counts — never a value or a key. */
  async recordRead(
    principal: Principal,
    action: string,
    permission: ReadPermission,
    result: {
      items: RecordItem[];
      withheld: Withheld;
      damaged: string[];
      erased: number;
      grant: string | null;
    },
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    await this.audit.record([
      {
        actor: actorOf(principal),
        action,
        target: `dataset:${permission.dataset.name}`,
        purpose: permission.purpose,
        details: {
          grant: result.grant,
          policies: permission.policies,
          fields: permission.fields.map((f) => (f.access === 'clear' ? f.field : `${f.field}:${f.mask}`)),
          // JR/T 0197 level of the most sensitive field read (the monitor's out-of-hours rule).
          maxLevel: Math.max(0, ...permission.fields.map((f) => f.facts.level)),
          count: result.items.length,
          withheldNoConsent: result.withheld.noConsent,
          filtered: result.withheld.filtered,
          withheldDeletedAtSource: result.withheld.deletedAtSource,
          damaged: result.damaged.length,
          erased: result.erased,
          ...extra,
        },
      },
    ]);
  }

  private pseudonymiser(_permission: ReadPermission): () => Pseudonymiser {
    let made: Pseudonymiser | undefined;
    return () => {
      if (!made) {
        const keys = this.keys();
        made = new Pseudonymiser(keys.suite, keys.blindIndexKey());
      }
      return made;
    };
  }

  /** Keeps only records that hold the identifier now (subject link or the indexed field's value). */
  private async confirm(
    records: readonly ReadableRecord[],
    candidates: Map<string, Array<{ field: string; kind: IdentifierKind } | 'subject'>>,
    subjectId: string | undefined,
    identifier: string | undefined,
  ): Promise<ReadableRecord[]> {
    const needValue = records.filter(
      (r) =>
        !(
          subjectId !== undefined &&
          r.subjectId === subjectId &&
          candidates.get(r.naturalKey)?.includes('subject')
        ),
    );
    const withCipher = needValue.filter((r) => r.sealed !== null);
    const outcomes = await this.keys().openEach(
      withCipher.map((r) => ({ subjectId: r.sealingSubject, ciphertext: r.sealed! })),
    );
    const opened = new Map<ReadableRecord, Record<string, unknown> | 'damaged'>();
    outcomes.forEach((o, i) => {
      if ('fields' in o) opened.set(withCipher[i]!, o.fields);
      else if (o.failure === 'damaged') opened.set(withCipher[i]!, 'damaged');
    });
    return records.filter((r) => {
      if (!needValue.includes(r)) return true;
      const personal = opened.get(r);
      // A damaged record found through the index is kept: shape() reports it as damaged.
      if (personal === 'damaged') return true;
      return (candidates.get(r.naturalKey) ?? []).some((how) => {
        if (how === 'subject') return false;
        const value = Object.hasOwn(r.fields, how.field) ? r.fields[how.field] : personal?.[how.field];
        return (
          identifier !== undefined &&
          typeof value === 'string' &&
          normaliseIdentifier(how.kind, value) === normaliseIdentifier(how.kind, identifier)
        );
      });
    });
  }

  /** Cursors are sealed: the store's cursor may carry a natural key the reader does not see in clear. */
  private sealCursor(dataset: string, cursor: string): string {
    const { suite, key } = this.cursorKey();
    return seal(
      suite,
      key,
      { keyId: 'cursor', version: 1 },
      Buffer.from(cursor, 'utf8'),
      Buffer.from(dataset),
    ).toString('base64url');
  }

  private openCursor(dataset: string, sealed: string): string {
    const { key } = this.cursorKey();
    try {
      return open(key, Buffer.from(sealed, 'base64url'), Buffer.from(dataset)).toString('utf8');
    } catch {
      // A cursor from another dataset, workspace or an edited one: a bad request, not a crypto fault.
      throw new ValidationError('invalid cursor (take nextCursor from the previous page)', {
        field: 'cursor',
      });
    }
  }

  private cursorKey(): { suite: CipherSuite; key: Buffer } {
    const keys = this.keys();
    const key = createHmac(hashAlgorithmOf(keys.suite), keys.blindIndexKey())
      .update('custos/cursor/v1')
      .digest();
    return { suite: keys.suite, key };
  }
}

/** A caller's filter may only read fields the reader sees in clear and that are stored in clear. */
function checkFilter(permission: ReadPermission, filter: RowCondition): void {
  for (const field of conditionFields(filter)) {
    const decision = permission.fields.find((f) => f.field === field);
    const isPersonal = decision?.facts.category === 'C2' || decision?.facts.category === 'C3';
    if (decision?.access !== 'clear' || isPersonal)
      throw new ValidationError(
        `filter may only use fields you see in clear and that are not personal: ${field}`,
        {
          field: 'filter',
          name: field,
        },
      );
  }
}
