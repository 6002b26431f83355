// The verifier's hashing, page by page: leaf hashes, the subtree hashes completed by each entry
// (in append order, with their storage ids) and the roots at requested tree sizes. For large logs
// it runs on a second thread while the first reads and compares, so verification runs at the pace
// of hashing alone. The worker is an inline CommonJS script (node:crypto only), so it runs the
// same from dist/ and from the TypeScript sources; the in-thread version computes the same.

import { Worker } from 'node:worker_threads';
import type { HashAlgorithm } from '../crypto/hash.js';
import { leafHashOfText, nodeHash } from './merkle.js';

export interface PageHashes {
  /** 32 bytes per entry. */
  leaves: Buffer;
  /** 32 bytes per completed subtree, in creation order. */
  nodes: Buffer;
  /** Storage id (last leaf × 64 + level) of each subtree in `nodes`. */
  nodeIds: number[];
  /** Root (hex) at each requested tree size ending within the page. */
  roots: Record<number, string>;
}

export interface PageHasher {
  hash(start: number, texts: string[], rootSizes: number[]): Promise<PageHashes>;
  close(): Promise<void>;
}

const SCRIPT = `
const { parentPort } = require('node:worker_threads');
const crypto = require('node:crypto');
let scratch = Buffer.allocUnsafe(16 * 1024);
const node = Buffer.allocUnsafe(65);
const edge = [];
const digest = (algorithm, data) => crypto.hash ? crypto.hash(algorithm, data, 'buffer') : crypto.createHash(algorithm).update(data).digest();
const rootOf = (algorithm) => {
  let root = edge[edge.length - 1].hash;
  for (let i = edge.length - 2; i >= 0; i--) { node[0] = 1; edge[i].hash.copy(node, 1); root.copy(node, 33); root = digest(algorithm, node); }
  return root.toString('hex');
};
parentPort.on('message', ({ id, algorithm, start, texts, rootSizes }) => {
  const leaves = Buffer.allocUnsafe(texts.length * 32);
  const nodes = [];
  const nodeIds = [];
  const roots = {};
  const wanted = new Set(rootSizes);
  for (let i = 0; i < texts.length; i++) {
    const text = texts[i];
    const length = Buffer.byteLength(text, 'utf8') + 1;
    if (length > scratch.length) scratch = Buffer.allocUnsafe(Math.max(length, scratch.length * 2));
    scratch[0] = 0;
    scratch.write(text, 1, 'utf8');
    const leaf = digest(algorithm, scratch.subarray(0, length));
    leaf.copy(leaves, i * 32);
    edge.push({ level: 0, hash: leaf });
    while (edge.length >= 2 && edge[edge.length - 1].level === edge[edge.length - 2].level) {
      const right = edge.pop(); const left = edge.pop();
      node[0] = 1; left.hash.copy(node, 1); right.hash.copy(node, 33);
      const hash = digest(algorithm, node);
      nodes.push(hash); nodeIds.push((start + i) * 64 + left.level + 1);
      edge.push({ level: left.level + 1, hash });
    }
    if (wanted.has(start + i + 1)) roots[start + i + 1] = rootOf(algorithm);
  }
  const all = new Uint8Array(nodes.length * 32);
  nodes.forEach((h, i) => all.set(h, i * 32));
  const leafCopy = new Uint8Array(leaves);
  parentPort.postMessage({ id, leaves: leafCopy, nodes: all, nodeIds, roots }, [leafCopy.buffer, all.buffer]);
});
`;

/** Hashing on a second thread; pages must be given in order. */
export class WorkerPageHasher implements PageHasher {
  private readonly worker = new Worker(SCRIPT, { eval: true });
  private readonly waiting = new Map<
    number,
    { resolve: (h: PageHashes) => void; reject: (e: Error) => void }
  >();
  private nextId = 0;

  constructor(private readonly algorithm: HashAlgorithm) {
    this.worker.on(
      'message',
      (message: {
        id: number;
        leaves: Uint8Array;
        nodes: Uint8Array;
        nodeIds: number[];
        roots: Record<number, string>;
      }) => {
        const entry = this.waiting.get(message.id);
        this.waiting.delete(message.id);
        entry?.resolve({
          leaves: Buffer.from(message.leaves.buffer, message.leaves.byteOffset, message.leaves.byteLength),
          nodes: Buffer.from(message.nodes.buffer, message.nodes.byteOffset, message.nodes.byteLength),
          nodeIds: message.nodeIds,
          roots: message.roots,
        });
      },
    );
    this.worker.on('error', (error) => {
      for (const entry of this.waiting.values()) entry.reject(error);
      this.waiting.clear();
    });
  }

  hash(start: number, texts: string[], rootSizes: number[]): Promise<PageHashes> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, algorithm: this.algorithm, start, texts, rootSizes });
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/** The same computation in this thread (small logs). */
export class InlinePageHasher implements PageHasher {
  private readonly edge: Array<{ level: number; hash: Buffer }> = [];
  constructor(private readonly algorithm: HashAlgorithm) {}

  async hash(start: number, texts: string[], rootSizes: number[]): Promise<PageHashes> {
    const leaves = Buffer.allocUnsafe(texts.length * 32);
    const nodes: Buffer[] = [];
    const nodeIds: number[] = [];
    const roots: Record<number, string> = {};
    const wanted = new Set(rootSizes);
    const edge = this.edge;
    texts.forEach((text, i) => {
      const leaf = leafHashOfText(this.algorithm, text);
      leaf.copy(leaves, i * 32);
      edge.push({ level: 0, hash: leaf });
      while (edge.length >= 2 && edge[edge.length - 1]!.level === edge[edge.length - 2]!.level) {
        const right = edge.pop()!;
        const left = edge.pop()!;
        const hash = nodeHash(this.algorithm, left.hash, right.hash);
        nodes.push(hash);
        nodeIds.push((start + i) * 64 + left.level + 1);
        edge.push({ level: left.level + 1, hash });
      }
      if (wanted.has(start + i + 1)) {
        let root = edge[edge.length - 1]!.hash;
        for (let j = edge.length - 2; j >= 0; j--) root = nodeHash(this.algorithm, edge[j]!.hash, root);
        roots[start + i + 1] = root.toString('hex');
      }
    });
    return { leaves, nodes: Buffer.concat(nodes), nodeIds, roots };
  }

  async close(): Promise<void> {}
}
