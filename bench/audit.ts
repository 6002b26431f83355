// Audit log benchmarks (SQLite, suite aes): append throughput of durable batched appends, inclusion
// proof latency at 1,000,000 entries, and full verification rate — each beside raw hashing of the
// same bytes in the same run. `CUSTOS_BENCH_AUDIT_SIZE` shrinks the big log for a quick run.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AUDIT_TRUST_FILE,
  AuditLog,
  leafHash,
  loadOrCreateSigningKey,
  nodeHash,
  readTrustFile,
  serialiseEntry,
  verifyInclusion,
  verifyLog,
} from '../src/audit/index.js';
import type { AuditEvent } from '../src/domain/index.js';
import { openStore, parseDatabaseUrl } from '../src/store/index.js';
import type { Benchmark, BenchResult } from './result.js';

const BATCH = 10_000;

function events(n: number, from: number): AuditEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    actor: 'worker:bench',
    action: 'collect.batch',
    target: 'dataset:credit_reports',
    purpose: 'credit_assessment',
    details: { batch: from + i, stored: 500, quarantined: 2 },
  }));
}

/** Raw baseline: hash the same entry bytes and build the same tree, in memory (bytes prepared untimed). */
function rawHashRate(n: number): number {
  const time = new Date().toISOString();
  const inputs = events(n, 0).map((event, index) => Buffer.from(serialiseEntry({ ...event, index, time })));
  const start = performance.now();
  const edge: Array<{ level: number; hash: Buffer }> = [];
  for (let from = 0; from < n; from += BATCH) {
    for (const input of inputs.slice(from, from + BATCH)) {
      edge.push({ level: 0, hash: leafHash('sha256', input) });
      while (edge.length >= 2 && edge[edge.length - 1]!.level === edge[edge.length - 2]!.level) {
        const right = edge.pop()!;
        const left = edge.pop()!;
        edge.push({ level: left.level + 1, hash: nodeHash('sha256', left.hash, right.hash) });
      }
    }
  }
  return (n * 1000) / (performance.now() - start);
}

export const benchmark: Benchmark = {
  area: 'audit',
  async run(): Promise<BenchResult[]> {
    const size = Number(process.env.CUSTOS_BENCH_AUDIT_SIZE ?? 1_000_000);
    const dir = mkdtempSync(path.join(tmpdir(), 'custos-bench-audit-'));
    const store = await openStore(parseDatabaseUrl(`sqlite:${path.join(dir, 'audit.db')}`, dir));
    try {
      const log = new AuditLog({
        store,
        suite: 'aes',
        signingKey: loadOrCreateSigningKey(dir, 'ed25519'),
        origin: 'custos/bench',
      });
      const raw = rawHashRate(Math.min(size, 200_000));
      const appendStart = performance.now();
      for (let from = 0; from < size; from += BATCH)
        await log.record(events(Math.min(BATCH, size - from), from));
      const appendRate = (size * 1000) / (performance.now() - appendStart);

      const probes = 2_000;
      let checked = 0;
      const proofStart = performance.now();
      for (let i = 0; i < probes; i++) {
        const proof = await log.inclusionProof(Math.floor((i * 7919 * 104729) % size), size);
        if (i % 100 === 0) {
          const ok = verifyInclusion(
            'sha256',
            proof.index,
            size,
            Buffer.from(proof.leafHash, 'hex'),
            proof.proof.map((h) => Buffer.from(h, 'hex')),
            Buffer.from(proof.rootHash, 'hex'),
          );
          if (!ok) throw new Error('benchmark produced an invalid proof');
          checked += 1;
        }
      }
      const proofMs = (performance.now() - proofStart) / probes;

      const verifyStart = performance.now();
      const trust = readTrustFile(path.join(dir, AUDIT_TRUST_FILE), AUDIT_TRUST_FILE);
      const report = await verifyLog(store, 'sha256', { trust });
      const verifyRate = (size * 1000) / (performance.now() - verifyStart);
      if (!report.ok) throw new Error('benchmark log failed verification');
      const rawVerify = rawHashRate(Math.min(size, 200_000));
      return [
        {
          name: `append (SQLite, durable, batches of ${BATCH})`,
          value: appendRate,
          unit: 'entries/s',
          baseline: { name: 'raw hashing in memory', value: raw },
          ratio: appendRate / raw,
          target: '≥ 50,000 entries/s',
          isTargetMet: appendRate >= 50_000,
        },
        {
          name: `inclusion proof at ${size.toLocaleString('en-US')} entries`,
          value: proofMs,
          unit: 'ms',
          target: '< 1 ms',
          isTargetMet: proofMs < 1,
          note: `mean of ${probes}; ${checked} proofs re-verified`,
        },
        {
          name: `full verification of ${size.toLocaleString('en-US')} entries`,
          value: verifyRate,
          unit: 'entries/s',
          baseline: { name: 'raw hashing in memory', value: rawVerify },
          ratio: verifyRate / rawVerify,
          target: 'ratio ≥ 0.5',
          isTargetMet: verifyRate / rawVerify >= 0.5,
        },
      ];
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
