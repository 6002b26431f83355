// Leaf hashing on a second thread while the verifier reads and checks on the first: the verifier
// then runs at the speed of its slower half instead of the sum of both. The worker is an inline
// CommonJS script (node:crypto only), so it runs the same from dist/ and from the TypeScript sources.

import { Worker } from 'node:worker_threads';
import type { HashAlgorithm } from '../crypto/hash.js';

const SCRIPT = `
const { parentPort } = require('node:worker_threads');
const crypto = require('node:crypto');
let scratch = Buffer.allocUnsafe(16 * 1024);
parentPort.on('message', ({ id, algorithm, texts }) => {
  const out = Buffer.allocUnsafe(texts.length * 32);
  for (let i = 0; i < texts.length; i++) {
    const text = texts[i];
    const length = Buffer.byteLength(text, 'utf8') + 1;
    if (length > scratch.length) scratch = Buffer.allocUnsafe(Math.max(length, scratch.length * 2));
    scratch[0] = 0;
    scratch.write(text, 1, 'utf8');
    const digest = crypto.hash ? crypto.hash(algorithm, scratch.subarray(0, length), 'buffer') : crypto.createHash(algorithm).update(scratch.subarray(0, length)).digest();
    digest.copy(out, i * 32);
  }
  parentPort.postMessage({ id, out }, [out.buffer]);
});
`;

export class LeafHasher {
  private readonly worker = new Worker(SCRIPT, { eval: true });
  private readonly waiting = new Map<number, { resolve: (b: Buffer) => void; reject: (e: Error) => void }>();
  private nextId = 0;

  constructor(private readonly algorithm: HashAlgorithm) {
    this.worker.on('message', ({ id, out }: { id: number; out: Uint8Array }) => {
      const entry = this.waiting.get(id);
      this.waiting.delete(id);
      entry?.resolve(Buffer.from(out.buffer, out.byteOffset, out.byteLength));
    });
    this.worker.on('error', (error) => {
      for (const entry of this.waiting.values()) entry.reject(error);
      this.waiting.clear();
    });
  }

  /** The 32-byte leaf hashes H(0x00 ‖ text) of `texts`, concatenated. */
  hash(texts: string[]): Promise<Buffer> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, algorithm: this.algorithm, texts });
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
