// The append-only audit log over the store. Appends take the log's lock (PostgreSQL advisory lock;
// SQLite's single writer), continue the tree from its stored right edge, write entries, the
// subtrees they complete and a signed tree head in one transaction — so concurrent processes
// produce one linear log with no gaps or forks, and a crash leaves either all of a batch or none.

import type { Statement } from 'better-sqlite3';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { CipherSuite, HashAlgorithm } from '../crypto/hash.js';
import { hashAlgorithmOf } from '../crypto/hash.js';
import {
  type AuditEvent,
  type AuditTrail,
  ConfigError,
  NotFoundError,
  ValidationError,
} from '../domain/index.js';
import type { Database, Store } from '../store/index.js';
import { currentClientAddress, withRequestAddress } from './client-address.js';
import { serialiseEvent } from './entry.js';
import {
  consistencyProofRanges,
  emptyRoot,
  inclusionProofRanges,
  leafHashOfText,
  nodeHash,
  nodeId,
  nodeOfId,
  rangeHash,
  type SubtreeRef,
  subtreeKey,
  subtreesForRange,
  subtreesForRanges,
} from './merkle.js';
import { type LogSigningKey, SIGNING_KEY_FILE } from './signing-key.js';
import { signTreeHead, type TreeHead } from './tree-head.js';

type Db = Kysely<Database> | Transaction<Database>;

/** One stored complete subtree on the right edge of the tree. */
interface EdgeNode {
  level: number;
  hash: Buffer;
}

export interface AuditLogOptions {
  store: Store;
  suite: CipherSuite;
  signingKey: LogSigningKey;
  /** Names the log in checkpoints, e.g. `custos.example/<organisation>`. */
  origin: string;
  /** Clock, for tests. */
  now?: () => Date;
}

export interface InclusionProof {
  index: number;
  treeSize: number;
  leafHash: string;
  proof: string[];
  rootHash: string;
}

export interface ConsistencyProof {
  fromSize: number;
  toSize: number;
  fromRoot: string;
  toRoot: string;
  proof: string[];
}

const INSERT_CHUNK = 500;

/** The action of the entry that announces the next signing key (read by the verifier). */
export const SIGNING_KEY_ROTATED = 'audit.signing_key_rotated';

export class AuditLog implements AuditTrail {
  readonly hashAlgorithm: HashAlgorithm;
  private readonly store: Store;
  private key: LogSigningKey;
  private readonly origin: string;
  private readonly now: () => Date;
  /** Right edge after the last append by this process, checked against the stored tail before use. */
  private edgeCache: { size: number; lastLeaf: string; edge: EdgeNode[] } | undefined;
  private keyRegistered = false;
  private sqliteInserts: { entry: Statement; node: Statement } | undefined;

  constructor(options: AuditLogOptions) {
    this.store = options.store;
    this.hashAlgorithm = hashAlgorithmOf(options.suite);
    this.key = options.signingKey;
    this.origin = options.origin;
    this.now = options.now ?? (() => new Date());
  }

  get signingKeyId(): string {
    return this.key.keyId;
  }

  get publicKey(): string {
    return this.key.publicKey;
  }

  get signatureAlgorithm(): LogSigningKey['algorithm'] {
    return this.key.algorithm;
  }

  /** Appends `events` as one batch in its own transaction and signs the new head. */
  async record(events: readonly AuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.append(events);
  }

  async append(events: readonly AuditEvent[]): Promise<TreeHead> {
    await this.registerKey();
    return this.store.db.transaction().execute((trx) => this.appendWithin(trx, events));
  }

  /**
   * Key rotation (docs/security.md): one entry naming the next key, in a head signed by the current
   * key; the next key is registered in the same transaction and signs every later head.
   */
  async announceSigningKey(next: LogSigningKey, actor: string): Promise<TreeHead> {
    if (next.algorithm !== this.key.algorithm) {
      throw new ValidationError(`the next key must be ${this.key.algorithm}, like the current one`);
    }
    await this.registerKey();
    const head = await this.store.db.transaction().execute(async (trx) => {
      const announced = await this.appendWithin(trx, [
        {
          actor,
          action: SIGNING_KEY_ROTATED,
          target: `audit-key:${next.keyId}`,
          details: { previousKeyId: this.key.keyId, algorithm: next.algorithm, publicKey: next.publicKey },
        },
      ]);
      await trx
        .insertInto('audit_keys')
        .values({
          key_id: next.keyId,
          algorithm: next.algorithm,
          public_key: next.publicKey,
          created_at: this.now().toISOString(),
        })
        .onConflict((oc) => oc.column('key_id').doNothing())
        .execute();
      return announced;
    });
    this.key = next;
    return head;
  }

  /**
   * Appends inside the caller's transaction (the pipeline's batch commit): the entries and the
   * head become durable exactly when the caller's data does.
   */
  async recordWithin(trx: Transaction<Database>, events: readonly AuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    // Not remembered: the caller's transaction may still roll back.
    await this.registerKey(trx, false);
    await this.appendWithin(trx, events);
  }

  private async appendWithin(trx: Transaction<Database>, events: readonly AuditEvent[]): Promise<TreeHead> {
    for (const event of events) checkEvent(event);
    if (this.store.dialect === 'postgres') {
      await sql`SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.custos_audit'))`.execute(trx);
    }
    const tail = await trx
      .selectFrom('audit_entries')
      .select(['idx', 'leaf_hash'])
      .orderBy('idx', 'desc')
      .limit(1)
      .executeTakeFirst();
    const size = tail ? Number(tail.idx) + 1 : 0;
    let edge: EdgeNode[];
    if (
      this.edgeCache &&
      this.edgeCache.size === size &&
      this.edgeCache.lastLeaf === (tail?.leaf_hash ?? '')
    ) {
      edge = this.edgeCache.edge.slice();
    } else {
      edge = await this.loadEdge(trx, size);
    }

    const time = this.now().toISOString();
    const timeJson = JSON.stringify(time);
    const entryRows: Database['audit_entries'][] = [];
    const nodeRows: Database['audit_nodes'][] = [];
    let index = size;
    let lastLeaf = '';
    const clientAddress = currentClientAddress();
    for (const event of events) {
      const text = serialiseEvent(withRequestAddress(event, clientAddress), index, timeJson);
      const leaf = leafHashOfText(this.hashAlgorithm, text);
      lastLeaf = leaf.toString('hex');
      entryRows.push({ idx: index, entry: text, leaf_hash: lastLeaf });
      // Push the leaf onto the right edge; equal-level neighbours merge into a stored subtree.
      edge.push({ level: 0, hash: leaf });
      while (edge.length >= 2 && edge[edge.length - 1]!.level === edge[edge.length - 2]!.level) {
        const right = edge.pop()!;
        const left = edge.pop()!;
        const level = left.level + 1;
        const hash = nodeHash(this.hashAlgorithm, left.hash, right.hash);
        nodeRows.push({ id: index * 64 + level, hash: hash.toString('hex') });
        edge.push({ level, hash });
      }
      index += 1;
    }
    await this.insertRows(trx, entryRows, nodeRows);
    const head = signTreeHead(this.key, {
      origin: this.origin,
      treeSize: index,
      rootHash: rootOfEdge(this.hashAlgorithm, edge).toString('hex'),
      timestamp: time,
      hashAlgorithm: this.hashAlgorithm,
    });
    await trx
      .insertInto('audit_tree_heads')
      .values({
        tree_size: head.treeSize,
        root_hash: head.rootHash,
        timestamp: head.timestamp,
        origin: head.origin,
        hash_algorithm: head.hashAlgorithm,
        key_id: head.keyId,
        signature: head.signature,
      })
      .execute();
    this.edgeCache = { size: index, lastLeaf, edge };
    return head;
  }

  private async insertRows(
    trx: Transaction<Database>,
    entryRows: Database['audit_entries'][],
    nodeRows: Database['audit_nodes'][],
  ): Promise<void> {
    const raw = this.store.sqlite;
    if (raw) {
      // SQLite: prepared statements on the same connection, inside the open transaction.
      this.sqliteInserts ??= {
        entry: raw.prepare('INSERT INTO audit_entries (idx, entry, leaf_hash) VALUES (?, ?, ?)'),
        node: raw.prepare('INSERT INTO audit_nodes (id, hash) VALUES (?, ?)'),
      };
      const { entry, node } = this.sqliteInserts;
      for (const row of entryRows) entry.run(row.idx, row.entry, row.leaf_hash);
      for (const row of nodeRows) node.run(row.id, row.hash);
      return;
    }
    for (let i = 0; i < entryRows.length; i += INSERT_CHUNK) {
      await trx
        .insertInto('audit_entries')
        .values(entryRows.slice(i, i + INSERT_CHUNK))
        .execute();
    }
    for (let i = 0; i < nodeRows.length; i += INSERT_CHUNK) {
      await trx
        .insertInto('audit_nodes')
        .values(nodeRows.slice(i, i + INSERT_CHUNK))
        .execute();
    }
  }

  /** The stored complete subtrees that make up the right edge of a tree of `size` leaves. */
  private async loadEdge(db: Db, size: number): Promise<EdgeNode[]> {
    const refs = subtreesForRange(0, size);
    const hashes = await this.fetchSubtrees(db, refs);
    return refs.map((ref) => ({ level: ref.level, hash: hashes.get(subtreeKey(ref))! }));
  }

  /** Fetches aligned subtree hashes (level 0 = leaf hashes) in at most two queries. */
  async fetchSubtrees(db: Db, refs: readonly SubtreeRef[]): Promise<Map<string, Buffer>> {
    const out = new Map<string, Buffer>();
    const leaves = [...new Set(refs.filter((r) => r.level === 0).map((r) => r.index))];
    const nodes = refs.filter((r) => r.level > 0);
    if (leaves.length > 0) {
      const rows = await db
        .selectFrom('audit_entries')
        .select(['idx', 'leaf_hash'])
        .where('idx', 'in', leaves)
        .execute();
      for (const row of rows) out.set(`0:${Number(row.idx)}`, Buffer.from(row.leaf_hash, 'hex'));
    }
    if (nodes.length > 0) {
      const rows = await db
        .selectFrom('audit_nodes')
        .select(['id', 'hash'])
        .where('id', 'in', [...new Set(nodes.map(nodeId))])
        .execute();
      for (const row of rows) out.set(subtreeKey(nodeOfId(Number(row.id))), Buffer.from(row.hash, 'hex'));
    }
    const missing = refs.find((r) => !out.has(subtreeKey(r)));
    if (missing) {
      throw new NotFoundError(
        `audit log is missing subtree level ${missing.level} index ${missing.index}`,
        missing,
      );
    }
    return out;
  }

  async size(db: Db = this.store.db): Promise<number> {
    const tail = await db
      .selectFrom('audit_entries')
      .select('idx')
      .orderBy('idx', 'desc')
      .limit(1)
      .executeTakeFirst();
    return tail ? Number(tail.idx) + 1 : 0;
  }

  /** Root of the first `size` entries, from stored subtrees (O(log n) reads). */
  async rootAt(size: number): Promise<Buffer> {
    if (size === 0) return emptyRoot(this.hashAlgorithm);
    const hashes = await this.fetchSubtrees(this.store.db, subtreesForRange(0, size));
    return rangeHash(this.hashAlgorithm, 0, size, (ref) => hashes.get(subtreeKey(ref))!);
  }

  async latestHead(): Promise<TreeHead | undefined> {
    const row = await this.store.db
      .selectFrom('audit_tree_heads')
      .selectAll()
      .orderBy('tree_size', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!row) return undefined;
    const key = await this.store.db
      .selectFrom('audit_keys')
      .select(['algorithm', 'public_key'])
      .where('key_id', '=', row.key_id)
      .executeTakeFirst();
    return {
      origin: row.origin,
      treeSize: Number(row.tree_size),
      rootHash: row.root_hash,
      timestamp: row.timestamp,
      hashAlgorithm: row.hash_algorithm as TreeHead['hashAlgorithm'],
      signatureAlgorithm: (key?.algorithm ?? this.key.algorithm) as TreeHead['signatureAlgorithm'],
      keyId: row.key_id,
      publicKey: key?.public_key ?? '',
      signature: row.signature,
    };
  }

  async inclusionProof(index: number, treeSize?: number): Promise<InclusionProof> {
    const size = treeSize ?? (await this.size());
    if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
      throw new ValidationError(`index ${index} is outside a tree of size ${size}`);
    }
    await this.requireSize(size);
    const ranges = inclusionProofRanges(index, size);
    const all = [...ranges, [0, size] as [number, number], [index, 1] as [number, number]];
    const hashes = await this.fetchSubtrees(this.store.db, subtreesForRanges(all));
    const get = (ref: SubtreeRef): Buffer => hashes.get(subtreeKey(ref))!;
    return {
      index,
      treeSize: size,
      leafHash: get({ level: 0, index }).toString('hex'),
      proof: ranges.map(([s, n]) => rangeHash(this.hashAlgorithm, s, n, get).toString('hex')),
      rootHash: rangeHash(this.hashAlgorithm, 0, size, get).toString('hex'),
    };
  }

  async consistencyProof(fromSize: number, toSize?: number): Promise<ConsistencyProof> {
    const size = toSize ?? (await this.size());
    if (!Number.isSafeInteger(fromSize) || fromSize < 0 || fromSize > size) {
      throw new ValidationError(`size ${fromSize} is outside 0…${size}`);
    }
    await this.requireSize(size);
    const ranges = consistencyProofRanges(fromSize, size);
    const all: Array<[number, number]> = [...ranges, [0, size]];
    if (fromSize > 0) all.push([0, fromSize]);
    const hashes = await this.fetchSubtrees(this.store.db, subtreesForRanges(all));
    const get = (ref: SubtreeRef): Buffer => hashes.get(subtreeKey(ref))!;
    return {
      fromSize,
      toSize: size,
      fromRoot: rangeHash(this.hashAlgorithm, 0, fromSize, get).toString('hex'),
      toRoot: rangeHash(this.hashAlgorithm, 0, size, get).toString('hex'),
      proof: ranges.map(([s, n]) => rangeHash(this.hashAlgorithm, s, n, get).toString('hex')),
    };
  }

  private async requireSize(size: number): Promise<void> {
    const current = await this.size();
    if (size > current) throw new ValidationError(`the log holds ${current} entries, not ${size}`);
  }

  private async registerKey(db: Db = this.store.db, remember = true): Promise<void> {
    if (this.keyRegistered) return;
    const known = await db
      .selectFrom('audit_keys')
      .select('key_id')
      .where('key_id', '=', this.key.keyId)
      .executeTakeFirst();
    if (!known) {
      const signed = await db.selectFrom('audit_tree_heads').select('tree_size').limit(1).executeTakeFirst();
      if (signed) {
        // A log signed by other keys: this key file replaced a lost one without a rotation.
        throw new ConfigError('the audit signing key did not sign this log', [
          {
            file: SIGNING_KEY_FILE,
            path: '',
            message:
              'this key never signed the stored log and no rotation announced it: restore the key file that signed it (rotation is `custos audit rotate-key`)',
          },
        ]);
      }
    }
    await db
      .insertInto('audit_keys')
      .values({
        key_id: this.key.keyId,
        algorithm: this.key.algorithm,
        public_key: this.key.publicKey,
        created_at: this.now().toISOString(),
      })
      .onConflict((oc) => oc.column('key_id').doNothing())
      .execute();
    this.keyRegistered = remember;
  }
}

/** MTH of a tree from its right edge (complete subtrees, highest level first). */
export function rootOfEdge(algorithm: HashAlgorithm, edge: readonly EdgeNode[]): Buffer {
  if (edge.length === 0) return emptyRoot(algorithm);
  let root = edge[edge.length - 1]!.hash;
  for (let i = edge.length - 2; i >= 0; i--) root = nodeHash(algorithm, edge[i]!.hash, root);
  return root;
}

function checkEvent(event: AuditEvent): void {
  for (const field of ['actor', 'action', 'target'] as const) {
    if (typeof event[field] !== 'string' || event[field].length === 0) {
      throw new ValidationError(`audit event needs a non-empty ${field}`, { field });
    }
  }
}
