// The protect thread: runs protectBatch (protect-thread.ts) for the protect stage, one job per message.

import { parentPort, workerData } from 'node:worker_threads';
import type { CipherSuite } from '../crypto/index.js';
import { type ProtectJob, protectBatch } from './protect-thread.js';

const { suite, indexKey } = workerData as { suite: CipherSuite; indexKey: Uint8Array };
const key = Buffer.from(indexKey.buffer, indexKey.byteOffset, indexKey.byteLength);

parentPort?.on('message', ({ id, job }: { id: number; job: ProtectJob }) => {
  try {
    parentPort?.postMessage({ id, records: protectBatch(suite, key, job) });
  } catch (error) {
    parentPort?.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
