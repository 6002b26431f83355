// The consent ledger (PIPL Arts. 14–15, 29, 39): grants and withdrawals per subject × purpose, each
// an append-only event (time, channel, evidence reference, notice version, separate and
// cross-border flags), and the current state that admission and reads check (consent-check.ts).
// A subject is its subject id (a keyed hash of the identifier): identifiers are never stored.
// A withdrawal can erase the subject when the workspace says `consent.onWithdrawal: erase`.

import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { type AuditTrail, ValidationError } from '../domain/index.js';
import type { Database, RecordStore } from '../store/index.js';
import type { Purpose, Workspace } from '../workspace/index.js';
import { acceptedNotices, currentNotice } from './consent-check.js';
import type { KeyService } from './key-service.js';
import { eraseSubject } from './subject-erasure.js';
import { subjectIdOf } from './subject-id.js';

export const CONSENT_ACTIONS = ['granted', 'withdrawn'] as const;
export type ConsentAction = (typeof CONSENT_ACTIONS)[number];

/** Longest evidence reference and channel name accepted. */
export const MAX_EVIDENCE = 256;
export const MAX_CHANNEL = 64;

/** One grant or withdrawal, its subject already a subject id. */
export interface ConsentEvent {
  subjectId: string;
  purpose: string;
  action: ConsentAction;
  /** When the person granted or withdrew (ISO 8601). */
  at: string;
  channel: string;
  evidence: string | null;
  /** The purpose's notice version consented to; null when the purpose has no notices. */
  noticeVersion: string | null;
  separate: boolean;
  crossBorder: boolean;
}

/** The outcome of applying events: how many changed the current state, who withdrew. */
export interface ConsentApplied {
  recorded: number;
  /** Events older than the subject's last change for the purpose: kept, state unchanged. */
  superseded: number;
  /** Events already in the ledger (a feed read again): not recorded twice. */
  duplicates: number;
  /** Subject ids with a withdrawal that changed their state. */
  withdrawn: string[];
}

export interface ConsentGrantInput {
  identifier: string;
  purposes: readonly string[];
  separate?: boolean | undefined;
  crossBorder?: boolean | undefined;
  channel?: string | undefined;
  evidence: string;
  /** Default: the purpose's current notice version. */
  noticeVersion?: string | undefined;
  /** Default: now. */
  at?: string | undefined;
}

export interface ConsentWithdrawalInput {
  identifier: string;
  purposes: readonly string[];
  channel?: string | undefined;
  evidence?: string | undefined;
  at?: string | undefined;
}

export interface ConsentChange {
  subjectId: string;
  purposes: string[];
  action: ConsentAction;
  recorded: number;
  /** Withdrawal under `onWithdrawal: erase` left no purpose with consent: the subject was erased. */
  erased: boolean;
}

/** A subject's consent to one purpose now, and whether it counts against the current notice. */
export interface PurposeConsent {
  purpose: string;
  status: 'granted' | 'withdrawn';
  separate: boolean;
  crossBorder: boolean;
  noticeVersion: string | null;
  /** The purpose's current notice version (null: it has none). */
  currentNotice: string | null;
  /** False when the consent was to a notice version since changed materially: consent again. */
  noticeHolds: boolean;
  grantedAt: string;
  withdrawnAt: string | null;
  channel: string | null;
  evidence: string | null;
}

export interface ConsentHistoryEntry {
  purpose: string;
  action: ConsentAction;
  at: string;
  recordedAt: string;
  recordedBy: string;
  channel: string;
  evidence: string | null;
  noticeVersion: string | null;
  separate: boolean;
  crossBorder: boolean;
}

export interface SubjectConsents {
  subjectId: string;
  consents: PurposeConsent[];
  history: ConsentHistoryEntry[];
}

const CHUNK = 200;

/** The id of an event: a hash of its subject id, purpose, action, time, channel and evidence. */
function eventId(e: ConsentEvent): string {
  return createHash('sha256')
    .update(JSON.stringify([e.subjectId, e.purpose, e.action, e.at, e.channel, e.evidence]))
    .digest('hex')
    .slice(0, 40);
}

/**
 * Appends the events and moves the current state, inside the caller's transaction (the pipeline
 * writes a consent feed's batch with its checkpoint). An event older than the state's last change
 * is kept in the history but changes nothing: feeds may deliver out of order.
 */
export async function applyConsentEvents(
  trx: Kysely<Database> | Transaction<Database>,
  events: readonly ConsentEvent[],
  recordedBy: string,
): Promise<ConsentApplied> {
  const recordedAt = new Date().toISOString();
  const applied: ConsentApplied = { recorded: 0, superseded: 0, duplicates: 0, withdrawn: [] };
  const withdrawn = new Set<string>();
  for (let i = 0; i < events.length; i += CHUNK) {
    // An event's id is a hash of what it says: the same event read again is recorded once.
    const byId = new Map(events.slice(i, i + CHUNK).map((e) => [eventId(e), e]));
    const known = await trx
      .selectFrom('consent_events')
      .select('id')
      .where('id', 'in', [...byId.keys()])
      .execute();
    for (const { id } of known) byId.delete(id);
    applied.duplicates += Math.min(CHUNK, events.length - i) - byId.size;
    const chunk = [...byId.values()];
    if (chunk.length === 0) continue;
    await trx
      .insertInto('consent_events')
      .values(
        [...byId].map(([id, e]) => ({
          id,
          subject_id: e.subjectId,
          purpose: e.purpose,
          action: e.action,
          at: e.at,
          recorded_at: recordedAt,
          recorded_by: recordedBy,
          channel: e.channel,
          evidence: e.evidence,
          notice_version: e.noticeVersion,
          separate: e.separate ? 1 : 0,
          cross_border: e.crossBorder ? 1 : 0,
        })),
      )
      .execute();
    const rows = await trx
      .selectFrom('consents')
      .selectAll()
      .where('subject_id', 'in', [...new Set(chunk.map((e) => e.subjectId))])
      .execute();
    type Row = (typeof rows)[number];
    const current = new Map<string, Row>(rows.map((r) => [`${r.subject_id}\u0000${r.purpose}`, r]));
    // The chunk's events move the state in memory; the rows they changed are written at once.
    const changed = new Set<string>();
    for (const e of chunk) {
      const key = `${e.subjectId}\u0000${e.purpose}`;
      const row = current.get(key);
      const last = row ? (row.changed_at ?? row.withdrawn_at ?? row.granted_at) : undefined;
      if (last !== undefined && Date.parse(e.at) < Date.parse(last)) {
        applied.superseded += 1;
        continue;
      }
      const details = { channel: e.channel, evidence: e.evidence, changed_at: e.at };
      if (e.action === 'granted') {
        current.set(key, {
          subject_id: e.subjectId,
          purpose: e.purpose,
          sensitive: e.separate ? 1 : 0,
          cross_border: e.crossBorder ? 1 : 0,
          notice_version: e.noticeVersion,
          granted_at: e.at,
          withdrawn_at: null,
          ...details,
        });
      } else {
        // Nothing to withdraw: the event stays in the history, the state has no row to change.
        if (!row) {
          applied.superseded += 1;
          continue;
        }
        current.set(key, { ...row, withdrawn_at: e.at, ...details });
        withdrawn.add(e.subjectId);
      }
      changed.add(key);
      applied.recorded += 1;
    }
    const dirty = [...changed].map((key) => current.get(key)!);
    for (let j = 0; j < dirty.length; j += 100) {
      await trx
        .insertInto('consents')
        .values(dirty.slice(j, j + 100).map((r) => ({ ...r, cross_border: Number(r.cross_border) })))
        .onConflict((oc) =>
          oc.columns(['subject_id', 'purpose']).doUpdateSet((eb) => ({
            sensitive: eb.ref('excluded.sensitive'),
            cross_border: eb.ref('excluded.cross_border'),
            notice_version: eb.ref('excluded.notice_version'),
            granted_at: eb.ref('excluded.granted_at'),
            withdrawn_at: eb.ref('excluded.withdrawn_at'),
            channel: eb.ref('excluded.channel'),
            evidence: eb.ref('excluded.evidence'),
            changed_at: eb.ref('excluded.changed_at'),
          })),
        )
        .execute();
    }
  }
  applied.withdrawn = [...withdrawn];
  return applied;
}

/** Subjects among these with no unwithdrawn consent to any purpose left. */
export async function subjectsWithoutConsent(
  db: Kysely<Database>,
  subjectIds: readonly string[],
): Promise<string[]> {
  if (subjectIds.length === 0) return [];
  const still = new Set<string>();
  for (let i = 0; i < subjectIds.length; i += 500) {
    const rows = await db
      .selectFrom('consents')
      .select('subject_id')
      .where('subject_id', 'in', subjectIds.slice(i, i + 500))
      .where('withdrawn_at', 'is', null)
      .execute();
    for (const r of rows) still.add(r.subject_id);
  }
  return subjectIds.filter((s) => !still.has(s));
}

/** Checks a purpose and notice version; returns the version to record. Throws naming the field. */
export function noticeVersionFor(
  declared: readonly Purpose[],
  purpose: string,
  requested: string | undefined,
  field: string,
): string | null {
  const found = declared.find((p) => p.name === purpose);
  if (!found) throw new ValidationError(`${field} names no declared purpose`, { field });
  if (requested === undefined) return currentNotice(found);
  if (!found.notices.some((n) => n.version === requested))
    throw new ValidationError(`noticeVersion is not a notice version of purpose ${purpose}`, {
      field: 'noticeVersion',
    });
  return requested;
}

function checkTime(at: string | undefined): string {
  if (at === undefined) return new Date().toISOString();
  const time = Date.parse(at);
  if (Number.isNaN(time)) throw new ValidationError('at must be an ISO 8601 date-time', { field: 'at' });
  if (time > Date.now() + 5 * 60_000) throw new ValidationError('at lies in the future', { field: 'at' });
  return new Date(time).toISOString();
}

function checkText(value: string | undefined, field: string, max: number): string | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === '' || text.length > max)
    throw new ValidationError(`${field} must be 1–${max} characters`, { field });
  return text;
}

export interface ConsentLedgerDeps {
  workspace: Workspace;
  db: Kysely<Database>;
  keys: () => KeyService;
  records: RecordStore;
  audit: AuditTrail;
}

/** Grants, withdrawals and the current state of a person's consents; every change audited. */
export class ConsentLedger {
  constructor(private readonly deps: ConsentLedgerDeps) {}

  /** The subject id of an identifier (the keyed hash the pipeline computes). */
  subjectOf(identifier: string): string {
    const value = identifier.trim();
    if (value === '') throw new ValidationError('identifier is required', { field: 'identifier' });
    return subjectIdOf(this.deps.keys(), value);
  }

  /** Turns a grant into ledger events, checking purposes and notice versions. */
  grantEvents(input: ConsentGrantInput, defaultChannel: string): ConsentEvent[] {
    const subjectId = this.subjectOf(input.identifier);
    const evidence = checkText(input.evidence, 'evidence', MAX_EVIDENCE);
    if (evidence === undefined)
      throw new ValidationError('evidence is required (the consent record id)', { field: 'evidence' });
    const channel = checkText(input.channel, 'channel', MAX_CHANNEL) ?? defaultChannel;
    const at = checkTime(input.at);
    return this.checkPurposes(input.purposes).map((purpose, i) => ({
      subjectId,
      purpose,
      action: 'granted' as const,
      at,
      channel,
      evidence,
      noticeVersion: noticeVersionFor(
        this.deps.workspace.purposes,
        purpose,
        input.noticeVersion,
        `purposes[${i}]`,
      ),
      separate: input.separate === true,
      crossBorder: input.crossBorder === true,
    }));
  }

  /** Turns a withdrawal into ledger events. */
  withdrawalEvents(input: ConsentWithdrawalInput, defaultChannel: string): ConsentEvent[] {
    const subjectId = this.subjectOf(input.identifier);
    const channel = checkText(input.channel, 'channel', MAX_CHANNEL) ?? defaultChannel;
    const evidence = checkText(input.evidence, 'evidence', MAX_EVIDENCE) ?? null;
    const at = checkTime(input.at);
    return this.checkPurposes(input.purposes).map((purpose) => ({
      subjectId,
      purpose,
      action: 'withdrawn' as const,
      at,
      channel,
      evidence,
      noticeVersion: null,
      separate: false,
      crossBorder: false,
    }));
  }

  /** Records a person's consent to purposes. */
  async grant(input: ConsentGrantInput, actor: string, channel = 'api'): Promise<ConsentChange> {
    const events = this.grantEvents(input, channel);
    const [change] = await this.record(events, actor);
    return change!;
  }

  /**
   * Records a withdrawal: collection for those purposes stops (`no_consent`), reads exclude the
   * subject at once, and under `onWithdrawal: erase` a subject left without any consent is erased.
   */
  async withdraw(input: ConsentWithdrawalInput, actor: string, channel = 'api'): Promise<ConsentChange> {
    const events = this.withdrawalEvents(input, channel);
    const [change] = await this.record(events, actor);
    return change!;
  }

  /**
   * Applies events of any number of subjects in one transaction with one audit entry per subject
   * and action (ids, purposes, flags — never the identifier or the evidence), then the erasures
   * the workspace asks for. Returns one change per subject and action, in order of appearance.
   */
  async record(
    events: readonly ConsentEvent[],
    actor: string,
    options: { bulk?: string } = {},
  ): Promise<ConsentChange[]> {
    if (events.length === 0) return [];
    const { db, audit } = this.deps;
    const applied = await db.transaction().execute((trx) => applyConsentEvents(trx, events, actor));
    const groups = new Map<string, ConsentEvent[]>();
    for (const e of events) {
      const key = `${e.subjectId}\u0000${e.action}`;
      groups.set(key, [...(groups.get(key) ?? []), e]);
    }
    const erased = new Set(await this.eraseIfWithdrawn(applied.withdrawn, actor));
    const changes = [...groups.values()].map((group) => {
      const first = group[0]!;
      return {
        subjectId: first.subjectId,
        purposes: group.map((e) => e.purpose),
        action: first.action,
        recorded: group.length,
        erased: first.action === 'withdrawn' && erased.has(first.subjectId),
      };
    });
    // A bulk import (a file of many people) is one entry with counts, not one per person.
    if (options.bulk !== undefined) {
      await audit.record([
        {
          actor,
          action: 'consent.import',
          target: options.bulk,
          details: {
            subjects: new Set(events.map((e) => e.subjectId)).size,
            granted: events.filter((e) => e.action === 'granted').length,
            withdrawn: events.filter((e) => e.action === 'withdrawn').length,
            recorded: applied.recorded,
            superseded: applied.superseded,
            duplicates: applied.duplicates,
            erased: erased.size,
          },
        },
      ]);
      return changes;
    }
    await audit.record(
      [...groups.values()].map((group) => {
        const first = group[0]!;
        return {
          actor,
          action: first.action === 'granted' ? 'consent.grant' : 'consent.withdraw',
          target: `subject:${first.subjectId}`,
          purpose: group.map((e) => e.purpose).join(','),
          details: {
            purposes: group.map((e) => e.purpose),
            channel: first.channel,
            ...(first.action === 'granted'
              ? {
                  separate: first.separate,
                  crossBorder: first.crossBorder,
                  noticeVersions: group.map((e) => e.noticeVersion),
                }
              : {}),
          },
        };
      }),
    );
    return changes;
  }

  /**
   * Under `consent.onWithdrawal: erase`, erases (crypto-shreds, every dataset) each of these
   * subjects left without consent to any purpose; returns those erased. Audited by eraseSubject.
   */
  async eraseIfWithdrawn(subjectIds: readonly string[], actor: string): Promise<string[]> {
    const { workspace, db, keys, records, audit } = this.deps;
    if (workspace.config.consent.onWithdrawal !== 'erase' || subjectIds.length === 0) return [];
    // Every dataset, consent feeds too: their quarantined copies are sealed under the same key.
    const datasets = workspace.datasets.map((d) => d.name);
    const gone = await subjectsWithoutConsent(db, subjectIds);
    for (const subjectId of gone)
      await eraseSubject(
        { keys: keys(), records, audit },
        datasets,
        subjectId,
        `${actor} (consent withdrawn)`,
      );
    return gone;
  }

  /** A person's consents now and their history, by identifier (never stored nor audited). */
  async show(identifier: string, actor: string): Promise<SubjectConsents> {
    const subjectId = this.subjectOf(identifier);
    const result = await this.ofSubject(subjectId);
    await this.deps.audit.record([
      {
        actor,
        action: 'consent.show',
        target: `subject:${subjectId}`,
        details: { purposes: result.consents.length, events: result.history.length },
      },
    ]);
    return result;
  }

  /** A subject's consents now and their history, by subject id. */
  async ofSubject(subjectId: string): Promise<SubjectConsents> {
    const { db, workspace } = this.deps;
    const rows = await db
      .selectFrom('consents')
      .selectAll()
      .where('subject_id', '=', subjectId)
      .orderBy('purpose')
      .execute();
    const history = await db
      .selectFrom('consent_events')
      .selectAll()
      .where('subject_id', '=', subjectId)
      .orderBy('at')
      .orderBy('recorded_at')
      .execute();
    return {
      subjectId,
      consents: rows.map((r) => {
        const purpose = workspace.purposes.find((p) => p.name === r.purpose);
        const notices = acceptedNotices(purpose);
        return {
          purpose: r.purpose,
          status: r.withdrawn_at === null ? ('granted' as const) : ('withdrawn' as const),
          separate: Number(r.sensitive) === 1,
          crossBorder: Number(r.cross_border) === 1,
          noticeVersion: r.notice_version,
          currentNotice: currentNotice(purpose),
          noticeHolds:
            notices === undefined ||
            (r.notice_version === null ? notices.unversioned : notices.versions.has(r.notice_version)),
          grantedAt: r.granted_at,
          withdrawnAt: r.withdrawn_at,
          channel: r.channel,
          evidence: r.evidence,
        };
      }),
      history: history.map((h) => ({
        purpose: h.purpose,
        action: h.action as ConsentAction,
        at: h.at,
        recordedAt: h.recorded_at,
        recordedBy: h.recorded_by,
        channel: h.channel,
        evidence: h.evidence,
        noticeVersion: h.notice_version,
        separate: Number(h.separate) === 1,
        crossBorder: Number(h.cross_border) === 1,
      })),
    };
  }

  private checkPurposes(purposes: readonly string[]): string[] {
    if (purposes.length === 0)
      throw new ValidationError('purposes must name at least one purpose', { field: 'purposes' });
    const unique = [...new Set(purposes)];
    unique.forEach((p, i) => {
      if (!this.deps.workspace.purposes.some((d) => d.name === p))
        throw new ValidationError(`purposes[${i}] names no declared purpose`, { field: `purposes[${i}]` });
    });
    return unique;
  }
}
