// The governed export against a raw baseline in the same run: N records (default 200,000) collected
// by the pipeline into SQLite, then exported as NDJSON through policy with 3 sealed fields decrypted
// and shown and 3 fields masked, beside reading the same rows with one SELECT and opening each
// ciphertext with the data keys already in hand (node:crypto through Custos's `open`), writing the
// same NDJSON. CUSTOS_BENCH_ACCESS_RECORDS sets N.

import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import SqliteDatabase from 'better-sqlite3';
import { Synthetic } from '../src/classify/index.js';
import { openContext } from '../src/context.js';
import { open } from '../src/crypto/index.js';
import { initWorkspace } from '../src/workspace/index.js';
import type { Benchmark, BenchResult } from './result.js';

async function writeInput(file: string, count: number): Promise<void> {
  const s = new Synthetic(2026);
  const out = createWriteStream(file);
  for (let i = 0; i < count; i++) {
    const line = JSON.stringify({
      cid: `C${String(i).padStart(9, '0')}`,
      name: s.chineseName(),
      id_no: s.residentId(),
      mobile: s.mobile(),
      city: s.pick(['深圳', '杭州', '北京', '上海']),
      product: s.pick(['消费贷款', '信用卡分期', '汽车贷款']),
      score: s.int(300, 850),
      opened: `20${s.int(10, 25)}-0${s.int(1, 9)}-1${s.int(0, 9)}`,
    });
    if (!out.write(`${line}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise((r) => out.end(r));
}

/** A sink that counts bytes (the export's consumer). */
function counter(): { sink: Writable; bytes: () => number } {
  let bytes = 0;
  return {
    sink: new Writable({
      write(chunk: Buffer | string, _e, done) {
        bytes += chunk.length;
        done();
      },
    }),
    bytes: () => bytes,
  };
}

export const benchmark: Benchmark = {
  area: 'access',
  async run(): Promise<BenchResult[]> {
    const count = Number(process.env.CUSTOS_BENCH_ACCESS_RECORDS ?? 200_000);
    const root = mkdtempSync(path.join(tmpdir(), 'custos-bench-access-'));
    try {
      const dir = path.join(root, 'ws');
      initWorkspace(dir, { organisation: 'Bench Org' });
      await writeInput(path.join(dir, 'input.ndjson'), count);
      const w = (f: string, t: string) => writeFileSync(path.join(dir, f), t);
      w('purposes.yaml', 'purposes:\n  - name: credit_assessment\n    title: credit\n');
      w(
        'sources.yaml',
        'sources:\n  - name: input\n    type: file\n    path: input.ndjson\n    stream: input\n    batchSize: 5000\n',
      );
      w(
        'datasets.yaml',
        `datasets:
  - name: customers
    source: input
    stream: input
    naturalKey: [cid]
    subjectFields: [id_no]
    purposes: [credit_assessment]
    lawfulBasis: contract
    retention: 1y
    fields:
      cid: { type: string, required: true, category: C1 }
      name: { type: string, category: C2 }
      id_no: { type: string, required: true, category: C2, isSensitive: true }
      mobile: { type: string, category: C2 }
      city: { type: string, category: public }
      product: { type: string, category: public }
      score: { type: integer, category: public }
      opened: { type: date, category: public }
`,
      );
      w(
        'policies.yaml',
        `policies:
  - name: bench
    roles: [analyst]
    datasets: [customers]
    purposes: [credit_assessment]
    maxClearLevel: 3
    requiresApproval: false
    masks:
      - { fields: { names: [city] }, mask: mask }
      - { fields: { names: [product] }, mask: show_first_4 }
      - { fields: { names: [opened] }, mask: date_show_year }
    deny:
      - { fields: { names: [score] } }
`,
      );
      const yaml = path.join(dir, 'custos.yaml');
      writeFileSync(yaml, `${readFileSync(yaml, 'utf8')}\nclassification:\n  requireConfirmation: false\n`);
      const ctx = await openContext(dir, {
        env: { CUSTOS_MASTER_KEY: 'bench-master-secret-0123' },
        logLevel: 'silent',
      });
      try {
        const id = await ctx.runs.startInline('customers', 'bench');
        const summary = await ctx.runs.execute(id, 'bench', { batchSize: 5000 });
        if (summary.status !== 'succeeded' || summary.stored !== count)
          throw new Error(`collection for the access benchmark ${summary.status}: ${summary.error ?? ''}`);
        const principal = {
          userId: 'bench',
          username: 'bench',
          role: 'analyst' as const,
          via: 'cli' as const,
        };

        // Raw baseline: the same rows, the data keys in hand, open + parse + one NDJSON line each.
        const dbFile = ctx.workspace.storageUrl.replace(/^sqlite:/, '');
        const raw = new SqliteDatabase(path.resolve(dir, dbFile), { readonly: true });
        const subjects = raw
          .prepare('SELECT DISTINCT subject_id FROM dataset_records WHERE dataset = ?')
          .pluck()
          .all('customers') as string[];
        const keys = await ctx.keys().sealingKeys(subjects);
        const rawStart = performance.now();
        const out = counter();
        let rawCount = 0;
        await pipeline(
          (function* () {
            for (const row of raw
              .prepare(
                'SELECT natural_key, version, updated_at, subject_id, data, sealed FROM dataset_records WHERE dataset = ? ORDER BY natural_key',
              )
              .iterate('customers') as Iterable<{
              natural_key: string;
              version: number;
              updated_at: string;
              subject_id: string;
              data: string;
              sealed: string;
            }>) {
              const clear = JSON.parse(row.data) as Record<string, unknown>;
              const personal = JSON.parse(
                open(
                  keys.get(row.subject_id)!,
                  Buffer.from(row.sealed, 'base64'),
                  Buffer.from(row.subject_id),
                ).toString('utf8'),
              ) as Record<string, unknown>;
              rawCount += 1;
              yield `${JSON.stringify({ key: row.natural_key, version: row.version, collectedAt: row.updated_at, fields: { ...clear, ...personal } })}\n`;
            }
          })(),
          out.sink,
        );
        const rawRate = (rawCount * 1000) / (performance.now() - rawStart);
        for (const key of keys.values()) key.fill(0);
        raw.close();

        const start = performance.now();
        const exported = await ctx.exports.start(principal, 'customers', {
          purpose: 'credit_assessment',
          format: 'ndjson',
        });
        const sink = counter();
        await pipeline(exported.body, sink.sink);
        const rate = (count * 1000) / (performance.now() - start);
        const ratio = rate / rawRate;
        return [
          {
            name: `governed NDJSON export, ${count.toLocaleString('en-US')} records (3 sealed fields decrypted, 3 masked, 1 denied)`,
            value: rate,
            unit: 'records/s',
            baseline: { name: 'SELECT + open each ciphertext with keys in hand + NDJSON', value: rawRate },
            ratio,
            target: 'ratio ≥ 0.5',
            isTargetMet: ratio >= 0.5,
            note: `${(sink.bytes() / 1e6).toFixed(1)} MB exported, ${(out.bytes() / 1e6).toFixed(1)} MB raw`,
          },
        ];
      } finally {
        await ctx.close();
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
};
