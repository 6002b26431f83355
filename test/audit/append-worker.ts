// Child process for the concurrency test: appends BATCHES batches of SIZE events to the log at URL.
// Usage: tsx append-worker.ts <storage-url> <key-dir> <worker-id> <batches> <size>

import { AuditLog, loadOrCreateSigningKey } from '../../src/audit/index.js';
import { openStore, parseDatabaseUrl } from '../../src/store/index.js';

const [url, keyDir, worker, batches, size] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const store = await openStore(parseDatabaseUrl(url, keyDir), { migrate: false, poolSize: 2 });
const log = new AuditLog({
  store,
  suite: 'aes',
  signingKey: loadOrCreateSigningKey(keyDir, 'ed25519'),
  origin: 'custos/test',
});
for (let b = 0; b < Number(batches); b++) {
  await log.record(
    Array.from({ length: Number(size) }, (_, i) => ({
      actor: `worker:${worker}`,
      action: 'collect.batch',
      target: 'dataset:loans',
      details: { batch: b, item: i },
    })),
  );
}
await store.close();
