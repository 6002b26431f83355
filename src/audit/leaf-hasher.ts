// The verifier's hashing, page by page. Leaf hashes come from a `LeafHasher`: for large logs a
// second thread, which on SQLite reads the page's entries itself through its own read-only
// connection (so entry text never crosses threads), and otherwise receives the page as ONE buffer
// of frames, transferred rather than copied. Each frame is the leaf input 0x00 ‖ entry bytes. The
// hashing thread also checks that every entry states its own index (`{"v":1,"index":I,` prefix).
// The subtree hashes and roots are rebuilt from the leaves by `TreeBuilder`, on the reading thread,
// exactly as appends made them, so the two threads share the work.
//
// The worker is an inline CommonJS script (node:crypto, and better-sqlite3 by resolved path), so it
// runs the same from dist/ and from the TypeScript sources; the in-thread hasher computes the same.

import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { HashAlgorithm } from '../crypto/hash.js';
import { digestOne } from '../crypto/hash.js';

/** One page of entries as leaf inputs: frame i is `frames[offsets[i] .. offsets[i+1])`. */
export interface PageFrames {
  frames: Uint8Array;
  /** count + 1 offsets. */
  offsets: Uint32Array;
}

/** Frames from entry texts. */
export function framesOfTexts(texts: readonly string[]): PageFrames {
  let total = 0;
  for (const text of texts) total += Buffer.byteLength(text, 'utf8') + 1;
  const frames = Buffer.from(new ArrayBuffer(total));
  const offsets = new Uint32Array(texts.length + 1);
  let at = 0;
  texts.forEach((text, i) => {
    offsets[i] = at;
    frames[at] = 0;
    at += 1 + frames.write(text, at + 1, 'utf8');
  });
  offsets[texts.length] = at;
  return { frames, offsets };
}

/** Where a page's entries come from: frames in hand, or a range the hashing thread reads itself. */
export type LeafSource =
  | { start: number; frames: PageFrames }
  | { start: number; sqliteFile: string; end: number };

export interface PageLeaves {
  /** 32 bytes per entry read, in index order. */
  leaves: Buffer;
  /** Position of the first entry not stating the index start + position, or -1. */
  misplaced: number;
}

export interface LeafHasher {
  leaves(source: LeafSource): Promise<PageLeaves>;
  close(): Promise<void>;
}

const SCRIPT = `
const { parentPort, workerData } = require('node:worker_threads');
const crypto = require('node:crypto');
const digest = (algorithm, data) => crypto.hash ? crypto.hash(algorithm, data, 'buffer') : crypto.createHash(algorithm).update(data).digest();
let scratch = Buffer.allocUnsafe(16 * 1024);
const databases = new Map();
const statementFor = (file) => {
  let statement = databases.get(file);
  if (!statement) {
    const Database = require(workerData.betterSqlite3);
    const db = new Database(file, { readonly: true, fileMustExist: true });
    statement = db.prepare('SELECT entry FROM audit_entries WHERE idx >= ? AND idx < ? ORDER BY idx').pluck();
    databases.set(file, statement);
  }
  return statement;
};
const states = (index, bytes, at) => {
  const prefix = '{"v":1,"index":' + index + ',';
  for (let j = 0; j < prefix.length; j++) if (bytes[at + 1 + j] !== prefix.charCodeAt(j)) return false;
  return true;
};
parentPort.on('message', (message) => {
  const { id, algorithm, start } = message;
  try {
    let leaves;
    let misplaced = -1;
    if (message.sqliteFile) {
      const texts = statementFor(message.sqliteFile).all(start, message.end);
      leaves = new Uint8Array(texts.length * 32);
      for (let i = 0; i < texts.length; i++) {
        const length = Buffer.byteLength(texts[i], 'utf8') + 1;
        if (length > scratch.length) scratch = Buffer.allocUnsafe(Math.max(length, scratch.length * 2));
        scratch[0] = 0;
        scratch.write(texts[i], 1, 'utf8');
        if (misplaced < 0 && !states(start + i, scratch, 0)) misplaced = i;
        leaves.set(digest(algorithm, scratch.subarray(0, length)), i * 32);
      }
    } else {
      const { frames, offsets } = message;
      const bytes = Buffer.from(frames.buffer, frames.byteOffset, frames.byteLength);
      const count = offsets.length - 1;
      leaves = new Uint8Array(count * 32);
      for (let i = 0; i < count; i++) {
        if (misplaced < 0 && !states(start + i, bytes, offsets[i])) misplaced = i;
        leaves.set(digest(algorithm, bytes.subarray(offsets[i], offsets[i + 1])), i * 32);
      }
    }
    parentPort.postMessage({ id, leaves, misplaced }, [leaves.buffer]);
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message ? error.message : error) });
  }
});
`;

/** Leaf hashing on a second thread. */
export class WorkerLeafHasher implements LeafHasher {
  private readonly worker = new Worker(SCRIPT, {
    eval: true,
    workerData: { betterSqlite3: createRequire(import.meta.url).resolve('better-sqlite3') },
  });
  private readonly waiting = new Map<
    number,
    { resolve: (h: PageLeaves) => void; reject: (e: Error) => void }
  >();
  private nextId = 0;

  constructor(private readonly algorithm: HashAlgorithm) {
    this.worker.on(
      'message',
      (message: { id: number; leaves?: Uint8Array; misplaced?: number; error?: string }) => {
        const entry = this.waiting.get(message.id);
        this.waiting.delete(message.id);
        if (message.error !== undefined || !message.leaves) {
          entry?.reject(new Error(`audit verification thread failed: ${message.error ?? 'no result'}`));
          return;
        }
        entry?.resolve({
          leaves: Buffer.from(message.leaves.buffer, message.leaves.byteOffset, message.leaves.byteLength),
          misplaced: message.misplaced ?? -1,
        });
      },
    );
    this.worker.on('error', (error) => {
      for (const entry of this.waiting.values()) entry.reject(error);
      this.waiting.clear();
    });
  }

  /** Frames given are transferred (handed over) and must not be used afterwards. */
  leaves(source: LeafSource): Promise<PageLeaves> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      if ('sqliteFile' in source) {
        this.worker.postMessage({ id, algorithm: this.algorithm, ...source });
        return;
      }
      const { frames, offsets } = source.frames;
      this.worker.postMessage({ id, algorithm: this.algorithm, start: source.start, frames, offsets }, [
        frames.buffer as ArrayBuffer,
        offsets.buffer as ArrayBuffer,
      ]);
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/** The same leaf hashing in this thread (small logs); it takes frames only. */
export class InlineLeafHasher implements LeafHasher {
  constructor(private readonly algorithm: HashAlgorithm) {}

  async leaves(source: LeafSource): Promise<PageLeaves> {
    if (!('frames' in source)) throw new Error('the in-thread hasher takes frames, not a database range');
    const { offsets } = source.frames;
    const frames = Buffer.from(
      source.frames.frames.buffer,
      source.frames.frames.byteOffset,
      source.frames.frames.byteLength,
    );
    const count = offsets.length - 1;
    const leaves = Buffer.allocUnsafe(count * 32);
    let misplaced = -1;
    for (let i = 0; i < count; i++) {
      const prefix = `{"v":1,"index":${source.start + i},`;
      if (
        misplaced < 0 &&
        frames.toString('utf8', offsets[i]! + 1, offsets[i]! + 1 + prefix.length) !== prefix
      )
        misplaced = i;
      digestOne(this.algorithm, frames.subarray(offsets[i], offsets[i + 1])).copy(leaves, i * 32);
    }
    return { leaves, misplaced };
  }

  async close(): Promise<void> {}
}

export interface PageNodes {
  /** 32 bytes per completed subtree, in creation order. */
  nodes: Buffer;
  /** Storage id (last leaf × 64 + level) of each subtree in `nodes`. */
  nodeIds: number[];
  /** Root (hex) at each requested tree size ending within the page. */
  roots: Record<number, string>;
}

/** Rebuilds the subtree hashes from leaves given in index order, page after page. */
export class TreeBuilder {
  private readonly edge: Array<{ level: number; hash: Buffer }> = [];
  /** Node input 0x01 ‖ left ‖ right, reused (hashing is synchronous). */
  private readonly input = Buffer.alloc(65);
  constructor(private readonly algorithm: HashAlgorithm) {}

  private node(left: Buffer, right: Buffer): Buffer {
    this.input[0] = 0x01;
    left.copy(this.input, 1);
    right.copy(this.input, 33);
    return digestOne(this.algorithm, this.input);
  }

  add(start: number, leaves: Buffer, rootSizes: readonly number[]): PageNodes {
    const nodes: Buffer[] = [];
    const nodeIds: number[] = [];
    const roots: Record<number, string> = {};
    const wanted = new Set(rootSizes);
    const edge = this.edge;
    const count = leaves.length / 32;
    for (let i = 0; i < count; i++) {
      edge.push({ level: 0, hash: leaves.subarray(i * 32, i * 32 + 32) });
      while (edge.length >= 2 && edge[edge.length - 1]!.level === edge[edge.length - 2]!.level) {
        const right = edge.pop()!;
        const left = edge.pop()!;
        const hash = this.node(left.hash, right.hash);
        nodes.push(hash);
        nodeIds.push((start + i) * 64 + left.level + 1);
        edge.push({ level: left.level + 1, hash });
      }
      if (wanted.has(start + i + 1)) {
        let root = edge[edge.length - 1]!.hash;
        for (let j = edge.length - 2; j >= 0; j--) root = this.node(edge[j]!.hash, root);
        roots[start + i + 1] = root.toString('hex');
      }
    }
    return { nodes: Buffer.concat(nodes), nodeIds, roots };
  }
}
