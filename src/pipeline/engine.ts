// One run of a dataset's collection, batch by batch:
//   read → validate (bad records to quarantine, the run goes on) → classify new fields (a field
//   newly found to be C2/C3 blocks the dataset until a compliance officer confirms) → admit
//   (vendor assessment, lawful basis and consent per purpose, minimisation) → protect (personal
//   fields sealed under the subject's data key, identifiers blind-indexed) → store (upsert by
//   natural key with version history) → checkpoint the source state in the SAME transaction →
//   one audit entry per batch, in that transaction too. A record deleted at source (change data
//   capture) is marked deleted in the same transaction, after the batch's upserts; its history stays.
// Two threads share the work: the protect step's seals and keyed hashes of batch N run on the
// protect thread (protect.ts) while this thread prepares batch N+1 and stores batch N−1; batches
// are still stored one after another, in source order.
// A process killed at any moment resumes from the last committed checkpoint, and re-processing a
// batch is idempotent (upsert by natural key, unchanged records skipped), so a run interrupted any
// number of times stores exactly what an uninterrupted run stores.

import { type Kysely, sql } from 'kysely';
import type { AuditLog } from '../audit/index.js';
import { canonicalJson } from '../audit/index.js';
import { classifyField } from '../classify/index.js';
import type { IdentifierKind } from '../crypto/index.js';
import {
  type Category,
  ConflictError,
  categoryFromDeclaration,
  type EntityType,
  effectiveLevel,
  maxCategory,
  NotFoundError,
  ValidationError,
} from '../domain/index.js';
import type { KeyService } from '../governance/index.js';
import type { Source, SourceBatch, SourceState } from '../sources/index.js';
import type { Database, Store } from '../store/index.js';
import type { DatasetDeclaration, Workspace } from '../workspace/index.js';
import { type ProtectedRecord, type ProtectJob, Protector, packKeys } from './protect.js';
import { DatasetValidator, type Mapped } from './validate.js';

export interface PipelineDeps {
  workspace: Workspace;
  store: Store;
  keys(): KeyService;
  audit: AuditLog;
  openSource(name: string): Source;
}

export interface RunProgress {
  runId: string;
  dataset: string;
  read: number;
  stored: number;
  updated: number;
  unchanged: number;
  quarantined: number;
  /** Records marked deleted at source (change data capture). */
  deleted: number;
  elapsedMs: number;
}

export interface RunProgressUpdate extends RunProgress {
  /** Share of the source read so far (0–1), when the source knows its size. */
  fraction?: number;
}

export interface RunSummary extends RunProgress {
  status: 'succeeded' | 'failed' | 'blocked';
  quarantineReasons: Record<string, number>;
  droppedFields: string[];
  error?: string;
}

export interface ExecuteOptions {
  runId: string;
  actor: string;
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (progress: RunProgressUpdate) => void;
  /**
   * Seal and hash on the protect thread, alongside this thread's work on the batches before and
   * after (default true; a run of one batch never starts the thread).
   */
  protectThread?: boolean;
}

/** A record held back (quarantined), with the reason. */
interface Held {
  reason: string;
  detail: string;
  raw: Record<string, unknown>;
  subject: string | undefined;
}

interface Admitted {
  key: string;
  record: Mapped;
  subjectId: string | null;
}

/** A batch through the protect step, ready for its store. */
interface ProtectedBatch {
  batch: SourceBatch;
  /**
   * The source state to checkpoint with this batch, serialised when the batch arrived: a source
   * may go on changing objects its state shares while it reads the next batch (the crawler's
   * validators), and that batch is read before this one is stored.
   */
  checkpoint: string | null;
  /** Fields dropped so far, as of this batch. */
  dropped: string[];
  admitted: Admitted[];
  /** Natural keys of records deleted at source, marked after the batch's upserts. */
  deletions: string[];
  quarantined: Held[];
  quarantineSealed: string[];
  records: ProtectedRecord[];
}

const IDENTIFIER_KINDS: Partial<Record<EntityType, IdentifierKind>> = {
  CN_RESIDENT_ID: 'id_card',
  CN_MOBILE: 'phone',
  BANK_CARD: 'bank_card',
  CN_BANK_ACCOUNT: 'bank_card',
  EMAIL: 'email',
  CN_PASSPORT: 'passport',
  CN_USCC: 'uscc',
};

interface FieldPlan {
  category: Category | null;
  sensitive: boolean;
  index?: IdentifierKind;
}

/** The subject id stored and used for keys and consent: a blind index, never the identifier itself. */
export function subjectIdFor(keys: KeyService, value: string): string {
  return `s_${keys.blindIndex('text', value).slice(0, 40)}`;
}

export async function executeRun(
  deps: PipelineDeps,
  datasetName: string,
  options: ExecuteOptions,
): Promise<RunSummary> {
  const dataset = deps.workspace.datasets.find((d) => d.name === datasetName);
  if (!dataset) throw new NotFoundError(`no dataset named ${datasetName}`, { dataset: datasetName });
  const db = deps.store.db;
  const keys = deps.keys();
  const started = performance.now();
  const summary: RunSummary = {
    runId: options.runId,
    dataset: dataset.name,
    status: 'succeeded',
    read: 0,
    stored: 0,
    updated: 0,
    unchanged: 0,
    quarantined: 0,
    deleted: 0,
    elapsedMs: 0,
    quarantineReasons: {},
    droppedFields: [],
  };
  const dropped = new Set<string>();
  const fail = async (status: 'failed' | 'blocked', error: string): Promise<RunSummary> => {
    summary.status = status;
    summary.error = error;
    await deps.audit.record([
      {
        actor: options.actor,
        action: status === 'blocked' ? 'collect.blocked' : 'collect.failed',
        target: `dataset:${dataset.name}`,
        details: { run: options.runId, reason: error },
      },
    ]);
    return summary;
  };

  const vendorProblem = checkVendor(deps.workspace, dataset);
  if (vendorProblem) return fail('failed', vendorProblem);

  const plans = await loadPlans(db, dataset);
  const pending = [...plans.values()].filter((p) => p.status === 'pending').map((p) => p.field);
  if (pending.length > 0)
    return fail('blocked', `fields awaiting a compliance officer's confirmation: ${pending.join(', ')}`);

  const validator = new DatasetValidator(dataset, deps.workspace.purposes);
  // Entries an earlier run of this dataset staged and could not merge (it was killed) go first.
  await mergeStagedIndexes(db, dataset.name);
  const source = deps.openSource(dataset.source);
  let mergeError: unknown;
  const stateRow = await db
    .selectFrom('source_state')
    .select('state')
    .where('dataset', '=', dataset.name)
    .executeTakeFirst();
  const state = stateRow?.state ? (JSON.parse(stateRow.state) as SourceState) : null;
  const requireConfirmation = deps.workspace.config.classification.requireConfirmation;
  const fieldNames = deps.workspace.config.classification.fieldNames as Record<string, EntityType>;
  const purposes = dataset.purposes;

  const protector = new Protector(keys.suite, keys.blindIndexKey(), options.protectThread ?? true);
  /** 5. store, checkpoint, count and audit a protected batch in one transaction. */
  const storeBatch = async ({
    batch,
    checkpoint,
    dropped: droppedSoFar,
    admitted,
    deletions,
    quarantined,
    quarantineSealed,
    records,
  }: ProtectedBatch) => {
    summary.read += batch.records.length;
    const now = new Date().toISOString();
    const prepared = admitted.map((a, i) => ({ key: a.key, subjectId: a.subjectId, ...records[i]! }));
    await db.transaction().execute(async (trx) => {
      const existing = new Map<string, { version: number; hash: string; isDeleted: boolean }>();
      const allKeys = prepared.map((p) => p.key);
      const raw = sqliteStatements(deps.store);
      if (raw) {
        for (const key of allKeys) {
          const row = raw.existing.get(dataset.name, key) as
            | { version: number; content_hash: string; deleted_at: string | null }
            | undefined;
          if (row)
            existing.set(key, {
              version: Number(row.version),
              hash: row.content_hash,
              isDeleted: row.deleted_at !== null,
            });
        }
      }
      for (let i = 0; raw === undefined && i < allKeys.length; i += 500) {
        const rows = await trx
          .selectFrom('dataset_records')
          .select(['natural_key', 'version', 'content_hash', 'deleted_at'])
          .where('dataset', '=', dataset.name)
          .where('natural_key', 'in', allKeys.slice(i, i + 500))
          .execute();
        for (const r of rows)
          existing.set(r.natural_key, {
            version: Number(r.version),
            hash: r.content_hash,
            isDeleted: r.deleted_at !== null,
          });
      }
      const inserts: Database['dataset_records'][] = [];
      const updates: Database['dataset_records'][] = [];
      const indexRows: Database['index_staging'][] = [];
      let unchanged = 0;
      for (const p of prepared) {
        const old = existing.get(p.key);
        // A record deleted at source and back with the same content is a new version all the same.
        if (old && old.hash === p.hash && !old.isDeleted) {
          unchanged += 1;
          continue;
        }
        (old ? updates : inserts).push({
          dataset: dataset.name,
          natural_key: p.key,
          subject_id: p.subjectId,
          version: old ? old.version + 1 : 1,
          data: p.data,
          sealed: p.sealed,
          content_hash: p.hash,
          run_id: options.runId,
          created_at: now,
          updated_at: now,
          deleted_at: null,
        });
        // Appended now, merged into blind_indexes (sorted) when the run ends: see 0005_record_storage.
        if (p.subjectId !== null)
          indexRows.push({
            dataset: dataset.name,
            field: '$subject',
            hash: p.subjectId,
            natural_key: p.key,
          });
        for (const ix of p.indexes)
          indexRows.push({ dataset: dataset.name, field: ix.field, hash: ix.hash, natural_key: p.key });
      }
      const stored = inserts.length;
      const updated = updates.length;
      if (raw) {
        // SQLite: prepared statements on the same connection, inside this transaction.
        for (const r of updates) {
          raw.archiveVersion.run(r.dataset, r.natural_key);
          raw.updateRecord.run(
            r.version,
            r.data,
            r.sealed,
            r.content_hash,
            r.run_id,
            r.updated_at,
            r.subject_id,
            r.dataset,
            r.natural_key,
          );
        }
        for (const r of inserts)
          raw.insertRecord.run(
            r.dataset,
            r.natural_key,
            r.subject_id,
            r.version,
            r.data,
            r.sealed,
            r.content_hash,
            r.run_id,
            r.created_at,
            r.updated_at,
          );
        for (const ix of indexRows) raw.stageIndex.run(ix.dataset, ix.field, ix.hash, ix.natural_key);
      } else {
        for (const r of updates) {
          // The version being replaced joins the history; the record keeps only its current one.
          await sql`INSERT INTO record_versions (dataset, natural_key, version, data, sealed, content_hash, run_id, created_at, deleted_at)
            SELECT dataset, natural_key, version, data, sealed, content_hash, run_id, updated_at, deleted_at
            FROM dataset_records WHERE dataset = ${r.dataset} AND natural_key = ${r.natural_key}
            ON CONFLICT DO NOTHING`.execute(trx);
          await trx
            .updateTable('dataset_records')
            .set({
              version: r.version,
              data: r.data,
              sealed: r.sealed,
              content_hash: r.content_hash,
              run_id: r.run_id,
              updated_at: r.updated_at,
              subject_id: r.subject_id,
              deleted_at: null,
            })
            .where('dataset', '=', r.dataset)
            .where('natural_key', '=', r.natural_key)
            .execute();
        }
        for (let i = 0; i < inserts.length; i += 300)
          await trx
            .insertInto('dataset_records')
            .values(inserts.slice(i, i + 300))
            .execute();
        for (let i = 0; i < indexRows.length; i += 500)
          await trx
            .insertInto('index_staging')
            .values(indexRows.slice(i, i + 500))
            .execute();
      }
      // Deleted at source: marked, after this batch's upserts, never removed (retention decides).
      let deleted = 0;
      for (let i = 0; i < deletions.length; i += 500) {
        const result = await trx
          .updateTable('dataset_records')
          .set({ deleted_at: now })
          .where('dataset', '=', dataset.name)
          .where('natural_key', 'in', deletions.slice(i, i + 500))
          .where('deleted_at', 'is', null)
          .executeTakeFirst();
        deleted += Number(result.numUpdatedRows);
      }
      const reasons: Record<string, number> = {};
      const quarantineRows = quarantined.map((q, i) => {
        reasons[q.reason] = (reasons[q.reason] ?? 0) + 1;
        return {
          // The same record held back for the same reason is ONE row, however often it is read
          // (a re-run after a kill, a lookback window, a reprocess): a keyed hash, never content.
          id: `q_${keys.blindIndex('text', `${dataset.name}\u0000${q.reason}\u0000${canonicalJson(q.raw)}`).slice(0, 40)}`,
          dataset: dataset.name,
          run_id: options.runId,
          reason: q.reason,
          detail: q.detail,
          position: batch.position ?? null,
          subject_id: q.subject ? subjectIdFor(keys, q.subject) : `quarantine:${dataset.name}`,
          sealed: quarantineSealed[i]!,
          status: 'open',
          created_at: now,
        };
      });
      // One row per id even when a batch repeats a record (PostgreSQL refuses to update twice).
      const held = [...new Map(quarantineRows.map((r) => [r.id, r])).values()];
      for (let i = 0; i < held.length; i += 300) {
        await trx
          .insertInto('quarantine')
          .values(held.slice(i, i + 300))
          .onConflict((oc) =>
            oc.column('id').doUpdateSet((eb) => ({
              status: 'open',
              run_id: eb.ref('excluded.run_id'),
              detail: eb.ref('excluded.detail'),
              position: eb.ref('excluded.position'),
              sealed: eb.ref('excluded.sealed'),
            })),
          )
          .execute();
      }
      await trx
        .insertInto('source_state')
        .values({
          dataset: dataset.name,
          state: checkpoint,
          run_id: options.runId,
          updated_at: now,
        })
        .onConflict((oc) =>
          oc.column('dataset').doUpdateSet({
            state: checkpoint,
            run_id: options.runId,
            updated_at: now,
          }),
        )
        .execute();
      summary.stored += stored;
      summary.updated += updated;
      summary.unchanged += unchanged;
      summary.quarantined += quarantined.length;
      summary.deleted += deleted;
      for (const [r, n] of Object.entries(reasons))
        summary.quarantineReasons[r] = (summary.quarantineReasons[r] ?? 0) + n;
      summary.droppedFields = droppedSoFar;
      await trx
        .updateTable('runs')
        .set({ ...runCounts(summary), heartbeat_at: now })
        .where('id', '=', options.runId)
        .execute();
      await deps.audit.recordWithin(trx, [
        {
          actor: options.actor,
          action: 'collect.batch',
          target: `dataset:${dataset.name}`,
          purpose: purposes.join(','),
          details: {
            run: options.runId,
            read: batch.records.length,
            stored,
            updated,
            unchanged,
            quarantined: quarantined.length,
            ...(deletions.length > 0 ? { deleted } : {}),
            ...(batch.position ? { position: batch.position } : {}),
          },
        },
      ]);
    });
    summary.elapsedMs = performance.now() - started;
    const size = batch.progress;
    options.onProgress?.({
      ...summary,
      ...(size && size.total > 0 ? { fraction: Math.min(1, size.done / size.total) } : {}),
    });
  };
  // The batch handed to the protect step and not stored yet. Its seals and hashes are made on the
  // protect thread while this thread prepares the next batch (validate, admit, data keys); it is
  // stored once the next one is handed over in turn, so both threads work all along.
  let waiting: (Omit<ProtectedBatch, 'records'> & { protecting: Promise<ProtectedRecord[]> }) | undefined;
  const storeWaiting = async () => {
    const next = waiting;
    waiting = undefined;
    if (next) await storeBatch({ ...next, records: await next.protecting });
  };

  try {
    for await (const batch of source.read(dataset.stream, state, {
      batchSize: options.batchSize ?? 1000,
      ...(options.signal ? { signal: options.signal } : {}),
    })) {
      const checkpoint = batch.state === null ? null : JSON.stringify(batch.state);
      // 1. validate (and map, minimise)
      const valid = new Map<
        string,
        { record: Mapped; subject: string | undefined; raw: Record<string, unknown> }
      >();
      const quarantined: Held[] = [];
      for (const raw of batch.records) {
        const outcome = validator.validate(raw);
        if (!outcome.ok) {
          quarantined.push({ reason: outcome.reason, detail: outcome.detail, raw, subject: undefined });
          continue;
        }
        for (const d of outcome.dropped) dropped.add(d);
        // A record repeated within a batch (duplicate items across pages): the last one wins.
        valid.set(outcome.naturalKey, { record: outcome.record, subject: outcome.subject, raw });
      }
      // Deleted at source: only the natural key is needed (the row may carry little more).
      const deletions: string[] = [];
      for (const raw of batch.deleted ?? []) {
        const key = validator.naturalKeyOf(raw);
        if (key === undefined)
          quarantined.push({
            reason: 'invalid',
            detail: 'deleted at source without its natural key',
            raw,
            subject: undefined,
          });
        else deletions.push(key);
      }

      // 2. classify fields seen for the first time
      const newFields = Object.keys(dataset.fields).filter(
        (f) => !plans.has(f) && !validator.unneeded.has(f),
      );
      if (newFields.length > 0) {
        const samples = [...valid.values()].slice(0, 200).map((v) => v.record);
        const rows = newFields.map((field) => {
          const declared = dataset.fields[field]!;
          const declaredCategory = categoryFromDeclaration(declared.category);
          const result = classifyField(
            field,
            samples.map((s) => s[field]),
            { fieldNames, ...(declared.level ? { declaredLevel: declared.level } : {}) },
          );
          const category =
            declaredCategory === undefined ? result.category : maxCategory(declaredCategory, result.category);
          const raised =
            result.category !== null &&
            (declaredCategory === undefined || declaredCategory === null || category !== declaredCategory);
          const needsReview =
            requireConfirmation && raised && (result.category === 'C2' || result.category === 'C3');
          return {
            dataset: dataset.name,
            field,
            category,
            level: effectiveLevel(category, declared.level),
            sensitive: declared.isSensitive === true || result.sensitive ? 1 : 0,
            entities: JSON.stringify(result.entities),
            confidence: Math.round(result.confidence * 1000),
            status: needsReview ? 'pending' : 'confirmed',
            confirmed_by: needsReview ? null : declaredCategory !== undefined ? 'declaration' : 'classifier',
            updated_at: new Date().toISOString(),
          };
        });
        await db
          .insertInto('field_classifications')
          .values(rows)
          .onConflict((oc) => oc.columns(['dataset', 'field']).doNothing())
          .execute();
        for (const row of rows)
          plans.set(row.field, { ...planOf(row), field: row.field, status: row.status });
        const blocked = rows.filter((r) => r.status === 'pending').map((r) => r.field);
        if (blocked.length > 0) {
          await storeWaiting();
          summary.read += batch.records.length;
          return await fail(
            'blocked',
            `fields newly detected as personal information need a compliance officer's confirmation: ${blocked.join(', ')}`,
          );
        }
      }

      // 3. admit: lawful basis and consent
      const subjectIds = new Map<string, string>();
      for (const v of valid.values())
        if (v.subject !== undefined && !subjectIds.has(v.subject))
          subjectIds.set(v.subject, subjectIdFor(keys, v.subject));
      const hasSensitive = [...plans.values()].some((p) => p.sensitive);
      let consented: Set<string> | undefined;
      if (dataset.lawfulBasis === 'consent')
        consented = await consentingSubjects(db, [...subjectIds.values()], purposes, hasSensitive);
      const admitted: Admitted[] = [];
      for (const [key, v] of valid) {
        const subjectId = v.subject === undefined ? null : subjectIds.get(v.subject)!;
        if (dataset.lawfulBasis === 'consent') {
          if (subjectId === null) {
            quarantined.push({
              reason: 'no_subject',
              detail: 'consent-based dataset record without a subject',
              raw: v.raw,
              subject: undefined,
            });
            continue;
          }
          if (!consented!.has(subjectId)) {
            quarantined.push({
              reason: 'no_consent',
              detail: `no ${hasSensitive ? 'separate ' : ''}consent for ${purposes.join(', ')}`,
              raw: v.raw,
              subject: v.subject,
            });
            continue;
          }
        }
        admitted.push({ key, record: v.record, subjectId });
      }

      // 4. protect: one ciphertext per record for its personal fields, a content hash, blind
      // indexes. The data keys are fetched (new ones made and wrapped) here; the keyed hashing and
      // sealing run on the protect thread (see `waiting`).
      const sealedFields = [...plans.entries()]
        .filter(([, p]) => p.category === 'C2' || p.category === 'C3')
        .map(([f]) => f);
      // Held-back records first: should that fail, no data key of the batch is in hand yet.
      const quarantineSealed =
        quarantined.length > 0
          ? await keys.encryptMany(
              quarantined.map((q) => ({
                subjectId: q.subject ? subjectIdFor(keys, q.subject) : `quarantine:${dataset.name}`,
                fields: q.raw,
              })),
            )
          : [];
      const subjects = admitted.map((a) => a.subjectId ?? `dataset:${dataset.name}`);
      const sealingKeys =
        sealedFields.length > 0 ? await keys.sealingKeys(subjects) : new Map<string, Buffer>();
      let packed: ReturnType<typeof packKeys>;
      try {
        packed = packKeys(sealingKeys);
      } finally {
        for (const key of sealingKeys.values()) key.fill(0);
      }
      const indexed: ProtectJob['indexed'] = [];
      for (const [field, p] of plans) if (p.index) indexed.push([field, p.index]);
      const protecting = protector.protect({
        records: admitted.map((a) => a.record),
        subjects,
        sealedFields,
        indexed,
        ...packed,
      });
      protecting.catch(() => undefined); // awaited when stored; the store before it may throw first
      await storeWaiting();
      waiting = {
        batch,
        checkpoint,
        dropped: [...dropped],
        admitted,
        deletions,
        quarantined,
        quarantineSealed,
        protecting,
      };
    }
    await storeWaiting();
  } catch (error) {
    // The batch read before the failure (say, of the source on its next read) is still stored,
    // unless its own protect step or the store before it is what failed.
    await storeWaiting().catch(() => undefined);
    if (error instanceof ConflictError || error instanceof ValidationError) throw error;
    summary.elapsedMs = performance.now() - started;
    return fail('failed', (error as Error).message);
  } finally {
    await protector.close();
    await source.close();
    // The blind-index entries this run staged go into blind_indexes in key order, however the run
    // ended. Should the merge fail, they stay staged (still read through blind_index_entries) for
    // the next run to merge; that fails only a run that had otherwise succeeded (below).
    mergeError = await mergeStagedIndexes(db, dataset.name).then(
      () => undefined,
      (error: unknown) => error ?? new Error('merge failed'),
    );
  }
  if (mergeError) throw mergeError;
  summary.elapsedMs = performance.now() - started;
  return summary;
}

/**
 * Moves a dataset's staged blind-index entries into blind_indexes in one transaction, sorted by
 * key so the index is written page after page instead of at random. Returns the entries moved.
 */
export async function mergeStagedIndexes(db: Kysely<Database>, dataset: string): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const moved = await sql`INSERT INTO blind_indexes (dataset, field, hash, natural_key)
      SELECT dataset, field, hash, natural_key FROM index_staging WHERE dataset = ${dataset}
      ORDER BY field, hash, natural_key
      ON CONFLICT DO NOTHING`.execute(trx);
    await trx.deleteFrom('index_staging').where('dataset', '=', dataset).execute();
    return Number(moved.numAffectedRows ?? 0n);
  });
}

/** The run row's counters, as stored after each batch and at the end. */
export function runCounts(summary: RunSummary) {
  return {
    read_count: summary.read,
    stored_count: summary.stored,
    updated_count: summary.updated,
    unchanged_count: summary.unchanged,
    quarantined_count: summary.quarantined,
    deleted_count: summary.deleted,
    quarantine_reasons: JSON.stringify(summary.quarantineReasons),
    dropped_fields: JSON.stringify(summary.droppedFields),
  };
}

const statementCache = new WeakMap<object, ReturnType<typeof prepareSqlite>>();

function prepareSqlite(db: NonNullable<Store['sqlite']>) {
  return {
    existing: db.prepare(
      'SELECT version, content_hash, deleted_at FROM dataset_records WHERE dataset = ? AND natural_key = ?',
    ),
    insertRecord: db.prepare(
      'INSERT INTO dataset_records (dataset, natural_key, subject_id, version, data, sealed, content_hash, run_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    archiveVersion: db.prepare(
      'INSERT INTO record_versions (dataset, natural_key, version, data, sealed, content_hash, run_id, created_at, deleted_at) SELECT dataset, natural_key, version, data, sealed, content_hash, run_id, updated_at, deleted_at FROM dataset_records WHERE dataset = ? AND natural_key = ? ON CONFLICT DO NOTHING',
    ),
    updateRecord: db.prepare(
      'UPDATE dataset_records SET version = ?, data = ?, sealed = ?, content_hash = ?, run_id = ?, updated_at = ?, subject_id = ?, deleted_at = NULL WHERE dataset = ? AND natural_key = ?',
    ),
    stageIndex: db.prepare(
      'INSERT INTO index_staging (dataset, field, hash, natural_key) VALUES (?, ?, ?, ?)',
    ),
  };
}

function sqliteStatements(store: Store): ReturnType<typeof prepareSqlite> | undefined {
  if (!store.sqlite) return undefined;
  let cached = statementCache.get(store.sqlite);
  if (!cached) {
    cached = prepareSqlite(store.sqlite);
    statementCache.set(store.sqlite, cached);
  }
  return cached;
}

function planOf(row: { category: string | null; sensitive: number; entities: string }): FieldPlan {
  const entities = JSON.parse(row.entities) as Array<{ type: EntityType; share: number }>;
  const top = entities.find((e) => IDENTIFIER_KINDS[e.type] !== undefined && e.share >= 0.5);
  return {
    category: row.category as Category | null,
    sensitive: row.sensitive === 1,
    ...(top ? { index: IDENTIFIER_KINDS[top.type]! } : {}),
  };
}

async function loadPlans(
  db: Store['db'],
  dataset: DatasetDeclaration,
): Promise<Map<string, FieldPlan & { field: string; status: string }>> {
  const rows = await db
    .selectFrom('field_classifications')
    .selectAll()
    .where('dataset', '=', dataset.name)
    .execute();
  return new Map(
    rows
      .filter((r) => r.field in dataset.fields)
      .map((r) => [r.field, { ...planOf(r), field: r.field, status: r.status }]),
  );
}

function checkVendor(workspace: Workspace, dataset: DatasetDeclaration): string | undefined {
  const sourceVendor = workspace.sources.find((s) => s.name === dataset.source)?.vendor;
  const name = dataset.vendor ?? sourceVendor;
  if (!name) return undefined;
  const vendor = workspace.vendors.find((v) => v.name === name);
  const assessment = vendor?.assessment;
  if (!assessment) return `vendor ${name} has no assessment on record`;
  if (assessment.result === 'rejected')
    return `vendor ${name} was rejected by its assessment (${assessment.reference ?? assessment.date})`;
  if (assessment.validUntil < new Date().toISOString().slice(0, 10))
    return `vendor ${name}'s assessment expired on ${assessment.validUntil}`;
  return undefined;
}

async function consentingSubjects(
  db: Store['db'],
  subjects: string[],
  purposes: string[],
  sensitive: boolean,
): Promise<Set<string>> {
  const granted = new Map<string, Set<string>>();
  for (let i = 0; i < subjects.length; i += 500) {
    let query = db
      .selectFrom('consents')
      .select(['subject_id', 'purpose'])
      .where('subject_id', 'in', subjects.slice(i, i + 500))
      .where('purpose', 'in', purposes)
      .where('withdrawn_at', 'is', null);
    if (sensitive) query = query.where('sensitive', '=', 1);
    for (const row of await query.execute()) {
      const set = granted.get(row.subject_id) ?? new Set<string>();
      set.add(row.purpose);
      granted.set(row.subject_id, set);
    }
  }
  return new Set([...granted].filter(([, set]) => purposes.every((p) => set.has(p))).map(([s]) => s));
}
