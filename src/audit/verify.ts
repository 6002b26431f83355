// Full verification of a stored log: recompute every leaf from its entry, every stored subtree from
// its children and every signed head's root, in one streaming pass (memory independent of size),
// and report the first index where stored data and signed heads disagree.
//
// Trust comes from outside the database: only keys pinned in a trust file (or announced, in an entry
// covered by a head of the key they replace, by a key already trusted) may sign heads, each within
// its window of tree sizes. The store's own key table is never consulted for trust.

import type { HashAlgorithm } from '../crypto/hash.js';
import { keyIdOf, type SignatureAlgorithm } from '../crypto/signature.js';
import type { Store } from '../store/index.js';
import { parseEntry } from './entry.js';
import {
  framesOfTexts,
  InlineLeafHasher,
  type LeafHasher,
  type LeafSource,
  TreeBuilder,
  WorkerLeafHasher,
} from './leaf-hasher.js';
import { SIGNING_KEY_ROTATED } from './log.js';
import { emptyRoot } from './merkle.js';
import { type TreeHead, verifyTreeHeadSignature } from './tree-head.js';
import { type AuditTrust, pinMatches } from './trust-file.js';

export interface VerifyProblem {
  /** First entry index affected (the earliest that may have been altered). */
  index: number;
  /** Last entry index of the affected range, when the damage cannot be pinned to one entry. */
  toIndex?: number;
  kind:
    | 'entry_missing'
    | 'entry_index_mismatch'
    | 'leaf_hash_mismatch'
    | 'subtree_mismatch'
    | 'subtree_missing'
    | 'head_root_mismatch'
    | 'head_signature_invalid'
    | 'key_announcement_invalid'
    | 'head_beyond_log'
    | 'unsigned_entries'
    | 'exported_head_mismatch';
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  treeSize: number;
  headsChecked: number;
  rootHash: string;
  problem?: VerifyProblem;
}

export interface VerifyOptions {
  /** The pinned signing keys (a trust file): nothing in the store is trusted. */
  trust: AuditTrust;
  /** Heads exported earlier (witnessed copies): the stored log must still agree with each. */
  exportedHeads?: readonly TreeHead[];
  onProgress?: (done: number, total: number) => void;
  pageSize?: number;
}

/** A key allowed to sign heads of sizes in (fromSize, untilSize]. */
interface KeyWindow {
  algorithm: SignatureAlgorithm;
  publicKey: string;
  fromSize: number;
  untilSize: number;
}

/** An entry naming the next signing key. */
interface Announcement {
  index: number;
  keyId: string;
  previousKeyId?: string;
  algorithm?: SignatureAlgorithm;
  publicKey?: string;
}

export async function verifyLog(
  store: Store,
  algorithm: HashAlgorithm,
  options: VerifyOptions,
): Promise<VerifyReport> {
  const db = store.db;
  const pageSize = options.pageSize ?? 50_000;
  const keys = await pinnedKeys(store, options.trust);
  const announcements = await keyAnnouncements(store);
  let announcementAt = 0;
  const heads = (await db.selectFrom('audit_tree_heads').selectAll().orderBy('tree_size').execute()).map(
    (row): TreeHead => ({
      origin: row.origin,
      treeSize: Number(row.tree_size),
      rootHash: row.root_hash,
      timestamp: row.timestamp,
      hashAlgorithm: row.hash_algorithm as TreeHead['hashAlgorithm'],
      signatureAlgorithm: keys.get(row.key_id)?.algorithm ?? 'ed25519',
      keyId: row.key_id,
      publicKey: keys.get(row.key_id)?.publicKey ?? '',
      signature: row.signature,
    }),
  );
  const checkpoints = [
    ...heads.map((head) => ({ head, exported: false })),
    ...(options.exportedHeads ?? []).map((head) => ({ head, exported: true })),
    // At equal sizes witnessed copies come first: they are the stronger evidence.
  ].sort((a, b) => a.head.treeSize - b.head.treeSize || Number(b.exported) - Number(a.exported));
  const total = await countEntries(store);

  let headsChecked = 0;
  let lastGoodHead = 0;
  const fail = (problem: VerifyProblem): VerifyReport => ({
    ok: false,
    treeSize: total,
    headsChecked,
    rootHash: '',
    problem,
  });

  /** A head counts only when a key trusted at its size signed it (checked in size order). */
  const signatureProblem = (head: TreeHead, exported: boolean): VerifyProblem | undefined => {
    const key = keys.get(head.keyId);
    if (
      key &&
      head.treeSize > key.fromSize &&
      head.treeSize <= key.untilSize &&
      verifyTreeHeadSignature({ ...head, signatureAlgorithm: key.algorithm }, key.publicKey)
    ) {
      return undefined;
    }
    return {
      index: head.treeSize === 0 ? 0 : head.treeSize - 1,
      kind: 'head_signature_invalid',
      message: key
        ? `${exported ? 'exported' : 'stored'} tree head of size ${head.treeSize} is not validly signed by pinned key ${head.keyId} within the sizes it may sign`
        : `${exported ? 'exported' : 'stored'} tree head of size ${head.treeSize} is signed by key ${head.keyId}, which the trust file does not pin and no trusted key announced`,
    };
  };
  /**
   * After a head of `size` signed by `signer` checked out: announcements it covers take effect. Each
   * must be covered first by a head of the key it names as previous (so signed by the old key).
   */
  const applyAnnouncements = (size: number, signer: string): VerifyProblem | undefined => {
    while (announcementAt < announcements.length && announcements[announcementAt]!.index < size) {
      const a = announcements[announcementAt]!;
      const previous = keys.get(signer);
      if (!a.algorithm || !a.publicKey || a.previousKeyId !== signer || !previous) {
        return {
          index: a.index,
          kind: 'key_announcement_invalid',
          message: `entry ${a.index} announces signing key ${a.keyId} but is not first covered by a head of the key it replaces`,
        };
      }
      previous.untilSize = Math.min(previous.untilSize, size);
      const known = keys.get(a.keyId);
      if (known) known.fromSize = Math.max(known.fromSize, size);
      else
        keys.set(a.keyId, {
          algorithm: a.algorithm,
          publicKey: a.publicKey,
          fromSize: size,
          untilSize: Infinity,
        });
      announcementAt += 1;
    }
    return undefined;
  };

  for (const { head, exported } of checkpoints) {
    if (head.treeSize > total) {
      return fail({
        index: total,
        kind: exported ? 'exported_head_mismatch' : 'head_beyond_log',
        message: `a signed tree head covers ${head.treeSize} entries but the log holds ${total}: entries were deleted`,
      });
    }
  }

  // Stream entries and stored subtrees in append order; the hasher rebuilds the tree as appends did.
  let next = 0;
  let finalRoot = '';
  let checkpointAt = 0;
  // Pages are index ranges [from, from + pageSize). On SQLite the reading thread takes only an
  // aggregate of each page (row count, lowest index, the stored leaf hashes concatenated in index
  // order) through prepared statements on the raw handle; a large log's entries are read and
  // leaf-hashed by the hashing thread through its own read-only connection.
  const sqliteFile =
    store.sqlite && store.sqlite.name !== ':memory:' && store.sqlite.name !== ''
      ? store.sqlite.name
      : undefined;
  const raw = store.sqlite
    ? {
        summary: store.sqlite.prepare(
          "SELECT count(*) AS n, min(idx) AS lo, group_concat(leaf_hash, '' ORDER BY idx) AS leaves FROM audit_entries WHERE idx >= ? AND idx < ?",
        ),
        indexes: store.sqlite
          .prepare('SELECT idx FROM audit_entries WHERE idx >= ? AND idx < ? ORDER BY idx')
          .pluck(),
        nodes: store.sqlite
          .prepare('SELECT id, hash FROM audit_nodes WHERE id > ? ORDER BY id LIMIT ?')
          .raw(true),
      }
    : undefined;
  let nodeBuffer: Array<[number, string]> = [];
  let nodeCursor = -1;
  let nodesExhausted = false;
  const fetchNodes = async (): Promise<void> => {
    nodeBuffer = raw
      ? (raw.nodes.all(nodeCursor, pageSize) as Array<[number, string]>)
      : (
          await db
            .selectFrom('audit_nodes')
            .select(['id', 'hash'])
            .where('id', '>', nodeCursor)
            .orderBy('id')
            .limit(pageSize)
            .execute()
        ).map((r): [number, string] => [Number(r.id), r.hash]);
    nodesExhausted = nodeBuffer.length < pageSize;
    const last = nodeBuffer[nodeBuffer.length - 1];
    if (last) nodeCursor = Number(last[0]);
  };
  let nodePos = 0;
  await fetchNodes();

  const useWorker = total >= 20_000;
  const hasher: LeafHasher = useWorker ? new WorkerLeafHasher(algorithm) : new InlineLeafHasher(algorithm);
  const tree = new TreeBuilder(algorithm);
  const headSizes = [...new Set(checkpoints.map((c) => c.head.treeSize)), total];

  /** What is stored for the page [from, to), and its leaf hashes being computed. */
  interface Page {
    from: number;
    to: number;
    /** Rows present, and the lowest index among them. */
    count: number;
    lowest: number;
    /** Stored leaf hashes, hex, concatenated in index order. */
    storedLeaves: string;
    /** Indexes present (only read when the page has a gap). */
    indexes?: number[];
    leaves: ReturnType<LeafHasher['leaves']>;
  }
  const loadPage = async (from: number): Promise<Page> => {
    const to = Math.min(from + pageSize, total);
    if (raw && sqliteFile && useWorker) {
      const leaves = hashing({ start: from, sqliteFile, end: to });
      const row = raw.summary.get(from, to) as { n: number; lo: number | null; leaves: string | null };
      return { from, to, count: row.n, lowest: row.lo ?? -1, storedLeaves: row.leaves ?? '', leaves };
    }
    const rows = await db
      .selectFrom('audit_entries')
      .select(['idx', 'entry', 'leaf_hash'])
      .where('idx', '>=', from)
      .where('idx', '<', to)
      .orderBy('idx')
      .execute();
    const source: LeafSource = { start: from, frames: framesOfTexts(rows.map((r) => r.entry)) };
    return {
      from,
      to,
      count: rows.length,
      lowest: rows.length > 0 ? Number(rows[0]!.idx) : -1,
      storedLeaves: rows.map((r) => r.leaf_hash).join(''),
      indexes: rows.map((r) => Number(r.idx)),
      leaves: hashing(source),
    };
  };
  const hashing = (source: LeafSource) => {
    const leaves = hasher.leaves(source);
    leaves.catch(() => undefined); // awaited in turn; this keeps an early return from leaving it unhandled
    return leaves;
  };
  /** First index of the page with no row, or undefined when the page is whole. */
  const firstMissing = async (page: Page): Promise<number | undefined> => {
    if (page.count === page.to - page.from && page.lowest === page.from) return undefined;
    const indexes =
      page.indexes ??
      (raw
        ? (raw.indexes.all(page.from, page.to) as number[]).map(Number)
        : (
            await db
              .selectFrom('audit_entries')
              .select('idx')
              .where('idx', '>=', page.from)
              .where('idx', '<', page.to)
              .orderBy('idx')
              .execute()
          ).map((r) => Number(r.idx)));
    for (let k = 0; k < page.to - page.from; k++) if (indexes[k] !== page.from + k) return page.from + k;
    return undefined;
  };

  try {
    let page = total > 0 ? await loadPage(0) : undefined;
    while (page) {
      const ahead = page.to < total ? await loadPage(page.to) : undefined;
      const { leaves, misplaced } = await page.leaves;
      const missingAt = await firstMissing(page);
      // Entries of the page in order up to the first missing one (beyond it, rows are shifted).
      const count = missingAt === undefined ? page.to - page.from : missingAt - page.from;
      const { nodes, nodeIds, roots } = tree.add(page.from, leaves.subarray(0, count * 32), headSizes);
      // One hex string per page, compared in place: no string per entry.
      const leavesHex = leaves.toString('hex', 0, count * 32);
      const nodesHex = nodes.toString('hex');
      let badLeaf = -1;
      const stored = page.storedLeaves;
      if (missingAt === undefined ? stored !== leavesHex : !stored.startsWith(leavesHex)) {
        // The first entry whose stored hash differs (a hash of another length shifts all after it).
        badLeaf = 0;
        const same = (k: number) =>
          stored.slice(k * 64, k * 64 + 64) === leavesHex.slice(k * 64, k * 64 + 64);
        while (badLeaf < count - 1 && same(badLeaf)) badLeaf += 1;
      }
      let nodeAt = 0;
      for (let k = 0; k < count; k++) {
        const idx = page.from + k;
        if (k === misplaced) {
          return fail({
            index: idx,
            kind: 'entry_index_mismatch',
            message: `entry ${idx} carries another index: rows were reordered or shifted`,
          });
        }
        if (k === badLeaf) {
          return fail({
            index: idx,
            kind: 'leaf_hash_mismatch',
            message: `entry ${idx} does not match its leaf hash`,
          });
        }
        // The subtrees this entry completed, in creation order, against the stored ones.
        while (nodeAt < nodeIds.length && Math.floor(nodeIds[nodeAt]! / 64) === idx) {
          const level = nodeIds[nodeAt]! % 64;
          if (nodePos >= nodeBuffer.length && !nodesExhausted) {
            await fetchNodes();
            nodePos = 0;
          }
          const stored = nodeBuffer[nodePos];
          const from = Math.floor(idx / 2 ** level) * 2 ** level;
          if (!stored || Number(stored[0]) !== nodeIds[nodeAt]) {
            return fail({
              index: from,
              toIndex: idx,
              kind: 'subtree_missing',
              message: `stored subtree level ${level} over entries ${from}…${idx} is missing or misplaced`,
            });
          }
          if (stored[1].length !== 64 || !nodesHex.startsWith(stored[1], nodeAt * 64)) {
            return fail({
              index: from,
              toIndex: idx,
              kind: 'subtree_mismatch',
              message: `entries ${from}…${idx} do not match their stored subtree hash (level ${level})`,
            });
          }
          nodePos += 1;
          nodeAt += 1;
        }
        next = idx + 1;
        // Every signed head at this size must carry the recomputed root.
        while (checkpointAt < checkpoints.length && checkpoints[checkpointAt]!.head.treeSize === next) {
          const { head, exported } = checkpoints[checkpointAt]!;
          const unsigned = signatureProblem(head, exported);
          if (unsigned) return fail(unsigned);
          if (roots[next] !== head.rootHash) {
            return fail({
              index: lastGoodHead,
              toIndex: next - 1,
              kind: exported ? 'exported_head_mismatch' : 'head_root_mismatch',
              message: `entries ${lastGoodHead}…${next - 1} disagree with the ${exported ? 'exported' : 'signed'} tree head of size ${next}: history was rewritten`,
            });
          }
          headsChecked += 1;
          lastGoodHead = next;
          checkpointAt += 1;
          const announcementProblem = applyAnnouncements(next, head.keyId);
          if (announcementProblem) return fail(announcementProblem);
        }
      }
      if (missingAt !== undefined) {
        await ahead?.leaves.catch(() => undefined);
        return fail({ index: missingAt, kind: 'entry_missing', message: `entry ${missingAt} is missing` });
      }
      if (roots[total] !== undefined) finalRoot = roots[total]!;
      options.onProgress?.(next, total);
      page = ahead;
    }
  } finally {
    await hasher.close();
  }
  while (checkpointAt < checkpoints.length && checkpoints[checkpointAt]!.head.treeSize === 0) {
    const { head, exported } = checkpoints[checkpointAt]!;
    const unsigned = signatureProblem(head, exported);
    if (unsigned) return fail(unsigned);
    checkpointAt += 1;
    headsChecked += 1;
  }
  if (next < total) return fail({ index: next, kind: 'entry_missing', message: `entry ${next} is missing` });
  if (lastGoodHead < total) {
    return fail({
      index: lastGoodHead,
      toIndex: total - 1,
      kind: 'unsigned_entries',
      message: `entries ${lastGoodHead}…${total - 1} are not covered by any signed tree head: they were inserted outside the log`,
    });
  }
  return {
    ok: true,
    treeSize: total,
    headsChecked,
    rootHash: total === 0 ? emptyRoot(algorithm).toString('hex') : finalRoot,
  };
}

async function countEntries(store: Store): Promise<number> {
  // max(idx) + 1, not COUNT(*): a deleted entry then shows as a gap at its own index.
  const row = await store.db
    .selectFrom('audit_entries')
    .select('idx')
    .orderBy('idx', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? Number(row.idx) + 1 : 0;
}

/** The pinned keys by key id; a fingerprint-only pin takes the public key from wherever it matches. */
async function pinnedKeys(store: Store, trust: AuditTrust): Promise<Map<string, KeyWindow>> {
  // Candidates only: a stored public key is used when its recomputed fingerprint equals a pin.
  const stored = await store.db.selectFrom('audit_keys').select(['algorithm', 'public_key']).execute();
  const keys = new Map<string, KeyWindow>();
  for (const pin of trust.keys) {
    const publicKey =
      pin.publicKey ??
      stored.find((k) => /^[0-9a-f]+$/.test(k.public_key) && pinMatches(pin, pin.algorithm, k.public_key))
        ?.public_key;
    if (publicKey === undefined) continue; // pinned but never used in this log
    keys.set(keyIdOf(pin.algorithm, publicKey), {
      algorithm: pin.algorithm,
      publicKey,
      fromSize: pin.fromSize ?? -1,
      untilSize: pin.untilSize ?? Infinity,
    });
  }
  return keys;
}

/** Entries announcing a next signing key, in index order (their bytes are checked by the main pass). */
async function keyAnnouncements(store: Store): Promise<Announcement[]> {
  const rows = await store.db
    .selectFrom('audit_entries')
    .select(['idx', 'entry'])
    .where('entry', 'like', `%"action":"${SIGNING_KEY_ROTATED}"%`)
    .orderBy('idx')
    .execute();
  const out: Announcement[] = [];
  for (const row of rows) {
    let entry: ReturnType<typeof parseEntry>;
    try {
      entry = parseEntry(row.entry);
    } catch {
      // Not JSON: the main pass reports it when it recomputes the leaf; it announces nothing.
      continue;
    }
    if (entry.action !== SIGNING_KEY_ROTATED) continue;
    const details = entry.details ?? {};
    const algorithm =
      details.algorithm === 'ed25519' || details.algorithm === 'sm2' ? details.algorithm : undefined;
    const publicKey =
      typeof details.publicKey === 'string' && /^[0-9a-f]+$/.test(details.publicKey)
        ? details.publicKey
        : undefined;
    const keyId = algorithm && publicKey ? keyIdOf(algorithm, publicKey) : entry.target;
    out.push({
      index: Number(row.idx),
      keyId,
      ...(typeof details.previousKeyId === 'string' ? { previousKeyId: details.previousKeyId } : {}),
      // The target must name the same key the details carry.
      ...(algorithm && publicKey && entry.target === `audit-key:${keyId}` ? { algorithm, publicKey } : {}),
    });
  }
  return out;
}
