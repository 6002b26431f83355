// Envelope encryption of personal data: one data key (DEK) per data subject, stored only wrapped
// by the current key-encryption key (KEK) version; a bounded cache of unwrapped DEKs that zeroises
// what it evicts; rotation with a resumable rewrap; crypto-shredding; blind indexes.
//
// A record's sensitive fields are sealed together as ONE authenticated ciphertext under the
// subject's DEK with the subject id as associated data, so a ciphertext moved to another subject
// does not open.

import { randomBytes } from 'node:crypto';
import type SqliteDatabase from 'better-sqlite3';
import type { Kysely } from 'kysely';
import {
  blindIndex,
  type CipherSuite,
  type IdentifierKind,
  KEY_BYTES,
  type KeyProvider,
  open,
  seal,
} from '../crypto/index.js';
import { type AuditTrail, CryptoError, ValidationError } from '../domain/index.js';
import type { Database } from '../store/index.js';

export interface SealItem {
  subjectId: string;
  fields: Record<string, unknown>;
}

export interface KeyStatus {
  suite: CipherSuite;
  provider: string;
  currentVersion: number;
  versions: Array<{ version: number; createdAt: string; retiredAt?: string; dataKeys: number }>;
  dataKeys: number;
  shredded: number;
  /** DEKs still wrapped under an older version (0 when rewrap is complete). */
  pendingRewrap: number;
}

export interface KeyServiceOptions {
  /** Most unwrapped DEKs held in memory (default 10,000). */
  cacheSize?: number;
  /**
   * The better-sqlite3 handle behind `db` (SQLite only): key lookups and creation then run as
   * prepared statements, always inside a connection or transaction reserved through Kysely.
   */
  sqlite?: SqliteDatabase.Database;
}

const CHUNK = 500;

/** One record's personal fields sealed under the subject's DEK, the subject id bound as associated data. */
export function sealFields(
  suite: CipherSuite,
  dek: Buffer,
  subjectId: string,
  fields: Record<string, unknown>,
): string {
  const plaintext = Buffer.from(JSON.stringify(fields), 'utf8');
  return seal(suite, dek, { keyId: 'dek', version: 1 }, plaintext, Buffer.from(subjectId)).toString('base64');
}

export class KeyService {
  private readonly cache = new Map<string, Buffer>();
  private readonly cacheSize: number;
  private readonly raw: { select: SqliteDatabase.Statement; insert: SqliteDatabase.Statement } | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly provider: KeyProvider,
    private readonly audit: AuditTrail,
    options: KeyServiceOptions = {},
  ) {
    this.cacheSize = options.cacheSize ?? 10_000;
    this.raw = options.sqlite
      ? {
          select: options.sqlite.prepare('SELECT wrapped_dek FROM subject_keys WHERE subject_id = ?').pluck(),
          insert: options.sqlite.prepare(
            'INSERT INTO subject_keys (subject_id, kek_version, wrapped_dek, created_at, shredded_at) VALUES (?, ?, ?, ?, NULL) ON CONFLICT (subject_id) DO NOTHING',
          ),
        }
      : undefined;
  }

  get suite(): CipherSuite {
    return this.provider.suite;
  }

  /** Seals each item's fields under its subject's DEK, creating missing DEKs in one transaction. */
  async encryptMany(items: readonly SealItem[]): Promise<string[]> {
    const keys = await this.sealingKeys(items.map((i) => i.subjectId));
    try {
      return items.map((item) =>
        sealFields(this.suite, keys.get(item.subjectId)!, item.subjectId, item.fields),
      );
    } finally {
      for (const key of keys.values()) key.fill(0);
    }
  }

  /**
   * The DEKs to seal new data of these subjects with, missing ones created in one transaction:
   * private copies the caller must zeroise. Refuses (CryptoError) if a subject's key was shredded.
   */
  async sealingKeys(subjectIds: readonly string[]): Promise<Map<string, Buffer>> {
    const keys = await this.dataKeys(subjectIds, true);
    if (subjectIds.some((id) => !keys.has(id))) {
      for (const key of keys.values()) key.fill(0);
      throw new CryptoError(
        'the data key of this subject was destroyed (erased): nothing new can be sealed for it',
      );
    }
    return keys;
  }

  async encryptRecord(subjectId: string, fields: Record<string, unknown>): Promise<string> {
    return (await this.encryptMany([{ subjectId, fields }]))[0]!;
  }

  async decryptMany(
    items: ReadonlyArray<{ subjectId: string; ciphertext: string }>,
  ): Promise<Array<Record<string, unknown>>> {
    const keys = await this.dataKeys(
      items.map((i) => i.subjectId),
      false,
    );
    try {
      return items.map((item) => {
        const key = keys.get(item.subjectId);
        if (!key)
          throw new CryptoError('the data key of this subject was destroyed (erased) or never existed');
        const plaintext = open(key, Buffer.from(item.ciphertext, 'base64'), Buffer.from(item.subjectId));
        return JSON.parse(plaintext.toString('utf8')) as Record<string, unknown>;
      });
    } finally {
      for (const key of keys.values()) key.fill(0);
    }
  }

  /**
   * Like decryptMany, but one bad record does not fail the others: each item opens to its fields,
   * or says why not — `erased` (its subject's key was shredded or never existed) or `damaged`
   * (the ciphertext failed authentication: altered, truncated or moved to another subject).
   */
  async openEach(
    items: ReadonlyArray<{ subjectId: string; ciphertext: string }>,
  ): Promise<Array<{ fields: Record<string, unknown> } | { failure: 'erased' | 'damaged' }>> {
    const keys = await this.dataKeys(
      items.map((i) => i.subjectId),
      false,
    );
    try {
      return items.map((item) => {
        const key = keys.get(item.subjectId);
        if (!key) return { failure: 'erased' as const };
        try {
          const plaintext = open(key, Buffer.from(item.ciphertext, 'base64'), Buffer.from(item.subjectId));
          return { fields: JSON.parse(plaintext.toString('utf8')) as Record<string, unknown> };
        } catch (error) {
          // Authentication failure, a malformed header or a plaintext that is not our JSON: the
          // stored record is not what was sealed. Reported per record; anything else propagates.
          if (error instanceof CryptoError || error instanceof SyntaxError)
            return { failure: 'damaged' as const };
          throw error;
        }
      });
    } finally {
      for (const key of keys.values()) key.fill(0);
    }
  }

  /**
   * Which of these subjects were erased (their key shredded), from the suppression entries and
   * without loading any key: for reads that show nothing decrypted yet must leave erased people out.
   */
  async erasedAmong(subjectIds: readonly string[]): Promise<Set<string>> {
    const ids = [...new Set(subjectIds)];
    const erased = new Set<string>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.db
        .selectFrom('erased_subjects')
        .select('subject_id')
        .where('subject_id', 'in', ids.slice(i, i + 500))
        .execute();
      for (const row of rows) erased.add(row.subject_id);
    }
    return erased;
  }

  async decryptRecord(subjectId: string, ciphertext: string): Promise<Record<string, unknown>> {
    return (await this.decryptMany([{ subjectId, ciphertext }]))[0]!;
  }

  blindIndex(kind: IdentifierKind, value: string): string {
    return blindIndex(this.suite, this.provider.blindIndexKey(), kind, value);
  }

  /** The blind-index key, for a worker thread of this process that computes blind indexes. */
  blindIndexKey(): Buffer {
    return this.provider.blindIndexKey();
  }

  /**
   * Destroys the subject's DEK — every ciphertext made with it becomes unreadable, everywhere — and
   * records a suppression entry (the subject id, itself a keyed hash) so the person is not sealed
   * under a new key when collected again. A subject without a key yet is suppressed all the same.
   */
  async shred(subjectId: string, actor: string): Promise<{ subjectId: string; shreddedAt: string }> {
    if (subjectId.length === 0) throw new ValidationError('a subject id is required');
    const now = new Date().toISOString();
    const shreddedAt = await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('subject_keys')
        .set({ wrapped_dek: null, shredded_at: now })
        .where('subject_id', '=', subjectId)
        .where('shredded_at', 'is', null)
        .execute();
      await trx
        .insertInto('erased_subjects')
        .values({ subject_id: subjectId, erased_at: now })
        .onConflict((oc) => oc.column('subject_id').doNothing())
        .execute();
      const row = await trx
        .selectFrom('erased_subjects')
        .select('erased_at')
        .where('subject_id', '=', subjectId)
        .executeTakeFirstOrThrow();
      return row.erased_at;
    });
    this.evict(subjectId);
    if (shreddedAt === now)
      await this.audit.record([{ actor, action: 'key.shred', target: `subject:${subjectId}` }]);
    return { subjectId, shreddedAt };
  }

  async rotate(actor: string): Promise<{ version: number }> {
    const created = this.provider.rotate();
    await this.audit.record([
      {
        actor,
        action: 'key.rotate',
        target: 'kek',
        details: { version: created.version, suite: this.suite },
      },
    ]);
    return { version: created.version };
  }

  /**
   * Moves every DEK wrapped under an older KEK version to the current one, in batches. Resumable:
   * it works from what is still old, so an interrupted run continues where it stopped. Reads and
   * writes go on meanwhile (a row is only replaced if it did not change under us).
   */
  async rewrap(
    options: {
      batchSize?: number;
      onProgress?: (done: number, remaining: number) => void;
      signal?: AbortSignal;
    } = {},
  ): Promise<{ rewrapped: number }> {
    const current = this.provider.currentVersion();
    const batchSize = options.batchSize ?? 1_000;
    let rewrapped = 0;
    for (;;) {
      if (options.signal?.aborted) break;
      const rows = await this.db
        .selectFrom('subject_keys')
        .select(['subject_id', 'kek_version', 'wrapped_dek'])
        .where('kek_version', '<', current)
        .where('wrapped_dek', 'is not', null)
        .orderBy('subject_id')
        .limit(batchSize)
        .execute();
      if (rows.length === 0) break;
      await this.db.transaction().execute(async (trx) => {
        for (const row of rows) {
          const aad = Buffer.from(row.subject_id);
          const dek = this.provider.unwrap(Buffer.from(row.wrapped_dek!, 'base64'), aad);
          const wrapped = this.provider.wrap(dek, aad).toString('base64');
          dek.fill(0);
          await trx
            .updateTable('subject_keys')
            .set({ wrapped_dek: wrapped, kek_version: current })
            .where('subject_id', '=', row.subject_id)
            .where('kek_version', '=', row.kek_version)
            .where('wrapped_dek', '=', row.wrapped_dek)
            .execute();
        }
      });
      rewrapped += rows.length;
      options.onProgress?.(rewrapped, await this.pendingRewrap());
    }
    return { rewrapped };
  }

  /** Retires a KEK version once no DEK is wrapped under it any more. */
  async retire(version: number, actor: string): Promise<{ version: number; retiredAt: string }> {
    if (!this.provider.versions().some((v) => v.version === version)) {
      throw new ValidationError(`key version ${version} does not exist`);
    }
    const remaining = await this.db
      .selectFrom('subject_keys')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('kek_version', '=', version)
      .where('wrapped_dek', 'is not', null)
      .executeTakeFirstOrThrow();
    if (Number(remaining.n) > 0) {
      throw new ValidationError(
        `key version ${version} still wraps ${remaining.n} data keys: run \`custos keys rewrap\` first`,
      );
    }
    const retired = this.provider.retire(version);
    await this.audit.record([{ actor, action: 'key.retire', target: 'kek', details: { version } }]);
    return { version, retiredAt: retired.retiredAt! };
  }

  async status(): Promise<KeyStatus> {
    const rows = await this.db
      .selectFrom('subject_keys')
      .select(['kek_version', (eb) => eb.fn.countAll<number>().as('n')])
      .where('wrapped_dek', 'is not', null)
      .groupBy('kek_version')
      .execute();
    const shredded = await this.db
      .selectFrom('subject_keys')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('shredded_at', 'is not', null)
      .executeTakeFirstOrThrow();
    const counts = new Map(rows.map((r) => [Number(r.kek_version), Number(r.n)]));
    const current = this.provider.currentVersion();
    return {
      suite: this.suite,
      provider: this.provider.description,
      currentVersion: current,
      versions: this.provider.versions().map((v) => ({ ...v, dataKeys: counts.get(v.version) ?? 0 })),
      dataKeys: [...counts.values()].reduce((a, b) => a + b, 0),
      shredded: Number(shredded.n),
      pendingRewrap: [...counts].filter(([v]) => v < current).reduce((a, [, n]) => a + n, 0),
    };
  }

  private async pendingRewrap(): Promise<number> {
    const row = await this.db
      .selectFrom('subject_keys')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('kek_version', '<', this.provider.currentVersion())
      .where('wrapped_dek', 'is not', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * Unwrapped DEKs for the subjects — private copies the caller must zeroise after use (the cache
   * may evict and zeroise its own copy at any time); with `create`, missing ones are made in one
   * transaction.
   */
  private async dataKeys(subjectIds: readonly string[], create: boolean): Promise<Map<string, Buffer>> {
    const out = new Map<string, Buffer>();
    const missing: string[] = [];
    for (const id of new Set(subjectIds)) {
      if (typeof id !== 'string' || id.length === 0) throw new ValidationError('a subject id is required');
      const cached = this.cache.get(id);
      if (cached) {
        // Refresh LRU position.
        this.cache.delete(id);
        this.cache.set(id, cached);
        out.set(id, Buffer.from(cached));
      } else missing.push(id);
    }
    if (missing.length === 0) return out;
    const found = await this.loadWrapped(this.db, missing);
    const absent = missing.filter((id) => !found.has(id));
    if (create && absent.length > 0) {
      const now = new Date().toISOString();
      // Keys we generate are kept in hand: only subjects a concurrent writer created first are
      // read back (and unwrapped) from the store.
      const fresh = new Map<string, Buffer>();
      await this.db.transaction().execute(async (trx) => {
        const version = this.provider.currentVersion();
        const raw = this.raw;
        if (raw) {
          // SQLite: one prepared insert per key, inside the transaction Kysely holds for us. The
          // keys come from one CSPRNG call, each copied out of it (the source is zeroised after).
          const material = randomBytes(KEY_BYTES * absent.length);
          try {
            for (const [n, id] of absent.entries()) {
              const dek = Buffer.from(material.subarray(n * KEY_BYTES, (n + 1) * KEY_BYTES));
              const wrapped = this.provider.wrap(dek, Buffer.from(id)).toString('base64');
              if (raw.insert.run(id, version, wrapped, now).changes === 1) fresh.set(id, dek);
              else dek.fill(0);
            }
          } finally {
            material.fill(0);
          }
          return;
        }
        for (let i = 0; i < absent.length; i += CHUNK) {
          const chunk = absent.slice(i, i + CHUNK);
          const deks = new Map(chunk.map((id) => [id, randomBytes(KEY_BYTES)]));
          const rows = chunk.map((id) => ({
            subject_id: id,
            kek_version: version,
            wrapped_dek: this.provider.wrap(deks.get(id)!, Buffer.from(id)).toString('base64'),
            created_at: now,
            shredded_at: null,
          }));
          const inserted = await trx
            .insertInto('subject_keys')
            .values(rows)
            .onConflict((oc) => oc.column('subject_id').doNothing())
            .returning('subject_id')
            .execute();
          const ours = new Set(inserted.map((r) => r.subject_id));
          for (const [id, dek] of deks) {
            if (ours.has(id)) fresh.set(id, dek);
            else dek.fill(0);
          }
        }
      });
      for (const [id, dek] of fresh) {
        out.set(id, Buffer.from(dek));
        this.remember(id, dek);
      }
      const raced = absent.filter((id) => !fresh.has(id));
      if (raced.length > 0)
        for (const [id, value] of await this.loadWrapped(this.db, raced)) found.set(id, value);
    }
    for (const [id, row] of found) {
      if (row.wrapped === null) continue; // shredded: no key, ever again
      const dek = this.provider.unwrap(Buffer.from(row.wrapped, 'base64'), Buffer.from(id));
      out.set(id, Buffer.from(dek));
      this.remember(id, dek);
    }
    this.trim();
    return out;
  }

  private async loadWrapped(
    db: Kysely<Database>,
    ids: readonly string[],
  ): Promise<Map<string, { wrapped: string | null }>> {
    const out = new Map<string, { wrapped: string | null }>();
    const raw = this.raw;
    if (raw) {
      // Reserve the connection, so no other caller's open transaction is read through.
      await db.connection().execute(async () => {
        for (const id of ids) {
          const wrapped = raw.select.get(id) as string | null | undefined;
          if (wrapped !== undefined) out.set(id, { wrapped });
        }
      });
      return out;
    }
    for (let i = 0; i < ids.length; i += CHUNK) {
      const rows = await db
        .selectFrom('subject_keys')
        .select(['subject_id', 'wrapped_dek'])
        .where('subject_id', 'in', ids.slice(i, i + CHUNK))
        .execute();
      for (const row of rows) out.set(row.subject_id, { wrapped: row.wrapped_dek });
    }
    return out;
  }

  /** Caches a key; `trim` brings the cache back to its size once the caller is done adding. */
  private remember(id: string, dek: Buffer): void {
    this.cache.set(id, dek);
  }

  /**
   * Evicts the least recently used keys beyond the cache size, in ONE pass: a Map iterator starts
   * by skipping every slot deleted since the table last rehashed, so evicting the oldest key one
   * call at a time skips ever more of them (5.5 µs per key at 10,000 cached, against 0.6 µs
   * trimmed once per batch of 5,000, measured on Node 20).
   */
  private trim(): void {
    let excess = this.cache.size - this.cacheSize;
    if (excess <= 0) return;
    for (const [id, dek] of this.cache) {
      // Callers work on their own copies, so zeroising here never pulls a key from under them.
      dek.fill(0);
      this.cache.delete(id);
      excess -= 1;
      if (excess === 0) break;
    }
  }

  private evict(id: string): void {
    const dek = this.cache.get(id);
    if (dek) {
      dek.fill(0);
      this.cache.delete(id);
    }
  }

  /** Zeroises every cached key (on shutdown). */
  close(): void {
    for (const id of [...this.cache.keys()]) this.evict(id);
  }
}
