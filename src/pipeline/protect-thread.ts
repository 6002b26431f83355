// The protect stage's crypto for one batch, and the thread it runs on: each admitted record's clear
// part (JSON), its personal fields sealed as one ciphertext under its subject's data key, its
// content hash and the blind indexes of its identifiers — every keyed hash and seal of the stage.
// Pure and synchronous, so the same function runs in this thread or on a worker thread
// (protect-worker.ts), where it overlaps this thread's work on the batches before and after
// (batch-overlap.ts).
//
// What crosses to the worker: the records, the blind-index key (once, at start) and each batch's
// data keys, packed in ONE buffer that is transferred (not copied) and zeroised once used. The
// key-encryption keys never leave the main thread: data keys are created and wrapped there.

import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { canonicalJson } from '../audit/entry.js';
import { blindIndex, type CipherSuite, type IdentifierKind, KEY_BYTES } from '../crypto/index.js';
import { sealFields } from '../governance/key-service.js';
import type { Mapped } from './validate.js';

export interface ProtectJob {
  records: Mapped[];
  /** Per record, the subject whose data key seals its personal fields. */
  subjects: string[];
  /** Fields sealed (C2/C3), in the order they are written into the ciphertext. */
  sealedFields: string[];
  /** Identifier fields blind-indexed, with the normalisation their kind needs. */
  indexed: Array<[field: string, kind: IdentifierKind]>;
  /** The data keys of `keySubjects`, KEY_BYTES each in that order; zeroised once used. */
  keySubjects: string[];
  keys: Uint8Array;
}

export interface ProtectedRecord {
  /** The record's fields that are not sealed, as JSON. */
  data: string;
  sealed: string | null;
  /** Keyed hash of the whole record: tells an unchanged record from a changed one. */
  hash: string;
  indexes: Array<{ field: string; hash: string }>;
  /** The same indexes as JSON kept with the record (field → hash, null: no value); null if none. */
  indexHashes: string | null;
}

/** Data keys packed for a job: one fresh buffer, never a slice of Node's shared pool. */
export function packKeys(keys: ReadonlyMap<string, Buffer>): { keySubjects: string[]; keys: Uint8Array } {
  const packed = Buffer.alloc(keys.size * KEY_BYTES);
  const keySubjects: string[] = [];
  for (const [id, key] of keys) {
    key.copy(packed, keySubjects.length * KEY_BYTES);
    keySubjects.push(id);
  }
  return { keySubjects, keys: packed };
}

export function protectBatch(suite: CipherSuite, indexKey: Buffer, job: ProtectJob): ProtectedRecord[] {
  const material = Buffer.from(job.keys.buffer, job.keys.byteOffset, job.keys.byteLength);
  try {
    const keys = new Map<string, Buffer>();
    job.keySubjects.forEach((id, n) => {
      keys.set(id, material.subarray(n * KEY_BYTES, (n + 1) * KEY_BYTES));
    });
    const sealed = new Set(job.sealedFields);
    return job.records.map((record, i) => {
      const clear: Mapped = {};
      for (const [f, v] of Object.entries(record)) if (!sealed.has(f)) clear[f] = v;
      let ciphertext: string | null = null;
      if (job.sealedFields.length > 0) {
        const subject = job.subjects[i]!;
        const key = keys.get(subject);
        if (!key) throw new Error('a record reached the protect step without its data key');
        const personal: Mapped = {};
        for (const f of job.sealedFields) if (record[f] !== undefined) personal[f] = record[f];
        ciphertext = sealFields(suite, key, subject, personal);
      }
      const indexes: Array<{ field: string; hash: string }> = [];
      const kept: Record<string, string | null> = {};
      for (const [field, kind] of job.indexed) {
        const value = record[field];
        if (typeof value === 'string') {
          const hash = blindIndex(suite, indexKey, kind, value);
          indexes.push({ field, hash });
          kept[field] = hash;
        } else if (value === undefined || value === null) kept[field] = null;
        // Another type (a number) has no index: the read path opens the record for its mask.
      }
      return {
        data: JSON.stringify(clear),
        sealed: ciphertext,
        hash: blindIndex(suite, indexKey, 'text', canonicalJson(record)),
        indexes,
        indexHashes: job.indexed.length === 0 ? null : JSON.stringify(kept),
      };
    });
  } finally {
    material.fill(0);
  }
}

/**
 * Runs protect jobs: the first in this thread, the following ones on a worker thread started on
 * the second job (a run of one batch never starts one), or always in this thread (`useWorker` false).
 */
export class Protector {
  private worker: Worker | undefined;
  private failure: Error | undefined;
  private jobs = 0;
  private nextId = 0;
  private readonly waiting = new Map<
    number,
    { resolve: (r: ProtectedRecord[]) => void; reject: (e: Error) => void }
  >();

  constructor(
    private readonly suite: CipherSuite,
    private readonly indexKey: Buffer,
    private readonly useWorker: boolean,
  ) {}

  /** The job's key buffer is handed over: zeroised here or transferred to the worker. */
  protect(job: ProtectJob): Promise<ProtectedRecord[]> {
    this.jobs += 1;
    if (!this.useWorker || this.jobs === 1) {
      try {
        return Promise.resolve(protectBatch(this.suite, this.indexKey, job));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    let worker: Worker;
    try {
      worker = this.start();
    } catch (error) {
      this.failure = new Error(`protect thread failed: ${(error as Error).message}`);
    }
    if (this.failure) {
      Buffer.from(job.keys.buffer, job.keys.byteOffset, job.keys.byteLength).fill(0);
      return Promise.reject(this.failure);
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ id, job }, [job.keys.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = spawnWorker(this.suite, this.indexKey);
    worker.on('message', (message: { id: number; records?: ProtectedRecord[]; error?: string }) => {
      const entry = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      if (message.records) entry?.resolve(message.records);
      else entry?.reject(new Error(`protect thread failed: ${message.error ?? 'no result'}`));
    });
    const fail = (error: Error) => {
      this.failure = new Error(`protect thread failed: ${error.message}`);
      for (const entry of this.waiting.values()) entry.reject(this.failure);
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (this.worker === worker) fail(new Error(`it exited (code ${code})`));
    });
    this.worker = worker;
    return worker;
  }
}

/**
 * What the thread starts with: the suite and a copy of the blind-index key in a buffer of its own,
 * to be transferred. Never the key Buffer itself: a small Buffer is often a slice of Node's shared
 * pool, and sending it would copy the whole pool block — with whatever other keys sit in it.
 */
export function threadStart(suite: CipherSuite, indexKey: Buffer) {
  const key = new Uint8Array(indexKey);
  return { workerData: { suite, indexKey: key }, transferList: [key.buffer] };
}

/** The worker from dist/ (JavaScript), or from the sources through tsx (tests, benchmarks). */
function spawnWorker(suite: CipherSuite, indexKey: Buffer): Worker {
  const { workerData, transferList } = threadStart(suite, indexKey);
  const here = import.meta.url;
  // A batch's records and their results are all the thread ever holds. Its heap is kept small —
  // V8 lets an uncapped heap grow well past what is live (peak RSS of the 1M benchmark: 507 MB with
  // a 512 MB cap, 479–485 MB with this one) — and a batch of huge records that outgrows it fails the
  // run with an error instead of swelling the process (lower the source's batchSize then).
  const resourceLimits = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 128 };
  if (!here.endsWith('.ts'))
    return new Worker(new URL('./protect-worker.js', here), { workerData, transferList, resourceLimits });
  const tsxDir = path.dirname(createRequire(here).resolve('tsx/package.json'));
  const tsx = pathToFileURL(path.join(tsxDir, 'dist/esm/api/index.mjs')).href;
  const entry = new URL('./protect-worker.ts', here).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData, transferList, resourceLimits });
}
