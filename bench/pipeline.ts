// The whole pipeline on SQLite: N synthetic records (10 fields, 3 personal and sealed) from an NDJSON
// file through validate → classify → admit → protect → store → checkpoint → audit, beside a raw
// baseline in the same run (JSON.parse plus batched insert of the same records into a plain table).
// Prints records/s, peak RSS and the ratio. CUSTOS_BENCH_PIPELINE_RECORDS sets N (default 1,000,000),
// CUSTOS_BENCH_PIPELINE_BATCH the batch size (default 5,000).
// A third figure puts the pipeline beside its storage floor: the same rows (record, a data key,
// three staged index entries and their merge) written to Custos's own schema with bare prepared
// statements and no crypto — what the schema alone costs, so a change can be told apart from the
// layout's limit.

import { randomBytes } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import SqliteDatabase from 'better-sqlite3';
import { Synthetic } from '../src/classify/index.js';
import { openContext } from '../src/context.js';
import { mergeStagedIndexes } from '../src/pipeline/index.js';
import { openStore, parseDatabaseUrl } from '../src/store/index.js';
import { initWorkspace } from '../src/workspace/index.js';
import type { Benchmark, BenchResult } from './result.js';

/** Records per batch (and per commit), for the pipeline and the baseline alike. */
const BATCH = Number(process.env.CUSTOS_BENCH_PIPELINE_BATCH ?? 5_000);

async function writeInput(file: string, count: number): Promise<void> {
  const s = new Synthetic(1125);
  const out = createWriteStream(file);
  for (let i = 0; i < count; i++) {
    const line = JSON.stringify({
      cid: `C${String(i).padStart(9, '0')}`,
      name: s.chineseName(),
      id_no: s.residentId(),
      mobile: s.mobile(),
      city: s.pick(['深圳', '杭州', '北京', '上海']),
      product: s.pick(['消费贷', '信用卡', '车贷']),
      score: s.int(300, 850),
      income: s.int(3_000, 80_000),
      opened: `20${s.int(10, 25)}-0${s.int(1, 9)}-1${s.int(0, 9)}`,
      updated_at: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    });
    if (!out.write(`${line}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise((r) => out.end(r));
}

async function rawBaseline(file: string, dbFile: string): Promise<number> {
  const db = new SqliteDatabase(dbFile);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE plain (cid TEXT PRIMARY KEY, data TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO plain (cid, data) VALUES (?, ?)');
  const flush = db.transaction((rows: Array<Record<string, unknown>>) => {
    for (const r of rows) insert.run(r.cid, JSON.stringify(r));
  });
  const start = performance.now();
  let batch: Array<Record<string, unknown>> = [];
  let n = 0;
  for await (const line of createInterface({
    input: createReadStream(file),
    crlfDelay: Number.POSITIVE_INFINITY,
  })) {
    if (!line) continue;
    batch.push(JSON.parse(line) as Record<string, unknown>);
    if (batch.length >= BATCH) {
      flush(batch);
      n += batch.length;
      batch = [];
    }
  }
  flush(batch);
  n += batch.length;
  const ms = performance.now() - start;
  db.close();
  return (n * 1000) / ms;
}

/** The storage floor: the pipeline's rows for `count` records, bare prepared statements, no crypto. */
async function storageFloor(count: number, root: string): Promise<number> {
  const store = await openStore(parseDatabaseUrl(`sqlite:${path.join(root, 'floor.db')}`, root));
  try {
    const db = store.sqlite!;
    const record = db.prepare(
      'INSERT INTO dataset_records (dataset, natural_key, subject_id, version, data, sealed, content_hash, run_id, created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?)',
    );
    const stage = db.prepare(
      'INSERT INTO index_staging (dataset, field, hash, natural_key) VALUES (?, ?, ?, ?)',
    );
    const key = db.prepare(
      'INSERT INTO subject_keys (subject_id, kek_version, wrapped_dek, created_at) VALUES (?, 1, ?, ?)',
    );
    const existing = db.prepare('SELECT version FROM dataset_records WHERE dataset = ? AND natural_key = ?');
    const data = JSON.stringify({ cid: 'C000000000', city: '深圳', product: '消费贷', score: 700 });
    const sealed = randomBytes(150).toString('base64');
    const wrapped = randomBytes(80).toString('base64');
    const now = new Date().toISOString();
    const write = db.transaction((from: number, to: number, hex: string) => {
      for (let i = from; i < to; i++) {
        const cid = `C${String(i).padStart(9, '0')}`;
        const at = (i - from) * 256;
        const subject = `s_${hex.slice(at, at + 40)}`;
        existing.get('customers', cid);
        key.run(subject, wrapped, now);
        record.run('customers', cid, subject, data, sealed, hex.slice(at + 64, at + 128), 'run', now, now);
        stage.run('customers', '$subject', subject, cid);
        stage.run('customers', 'id_no', hex.slice(at + 128, at + 192), cid);
        stage.run('customers', 'mobile', hex.slice(at + 192, at + 256), cid);
      }
    });
    let elapsed = 0;
    for (let from = 0; from < count; from += BATCH) {
      const to = Math.min(from + BATCH, count);
      const hex = randomBytes((to - from) * 128).toString('hex'); // keyed hashes look random
      const start = performance.now();
      write(from, to, hex);
      elapsed += performance.now() - start;
    }
    const start = performance.now();
    await mergeStagedIndexes(store.db, 'customers');
    elapsed += performance.now() - start;
    return (count * 1000) / elapsed;
  } finally {
    await store.close();
  }
}

export const benchmark: Benchmark = {
  area: 'pipeline',
  async run(): Promise<BenchResult[]> {
    const count = Number(process.env.CUSTOS_BENCH_PIPELINE_RECORDS ?? 1_000_000);
    const root = mkdtempSync(path.join(tmpdir(), 'custos-bench-pipeline-'));
    try {
      const dir = path.join(root, 'ws');
      initWorkspace(dir, { organisation: 'Bench Org' });
      await writeInput(path.join(dir, 'input.ndjson'), count);
      const w = (f: string, t: string) => writeFileSync(path.join(dir, f), t);
      w('vendors.yaml', 'vendors: []\n');
      w('purposes.yaml', 'purposes:\n  - name: credit_assessment\n    title: credit\n');
      w(
        'sources.yaml',
        `sources:\n  - name: input\n    type: file\n    path: input.ndjson\n    stream: input\n    batchSize: ${BATCH}\n`,
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
      income: { type: integer, category: public }
      opened: { type: date, category: public }
      updated_at: { type: datetime, category: public }
`,
      );
      w('roles.yaml', 'roles: []\n');
      w('policies.yaml', 'policies: []\n');
      const yaml = path.join(dir, 'custos.yaml');
      writeFileSync(yaml, `${readFileSync(yaml, 'utf8')}\nclassification:\n  requireConfirmation: false\n`);

      const raw = await rawBaseline(path.join(dir, 'input.ndjson'), path.join(root, 'raw.db'));
      let peak = process.memoryUsage().rss;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
      }, 100);
      const ctx = await openContext(dir, {
        env: { CUSTOS_MASTER_KEY: 'bench-master-secret-0123' },
        logLevel: 'silent',
      });
      let rate = 0;
      let stored = 0;
      try {
        const id = await ctx.runs.startInline('customers', 'bench');
        const start = performance.now();
        const summary = await ctx.runs.execute(id, 'bench', { batchSize: BATCH });
        rate = (summary.read * 1000) / (performance.now() - start);
        stored = summary.stored;
        if (summary.status !== 'succeeded' || stored !== count)
          throw new Error(
            `pipeline benchmark run ${summary.status}: ${summary.error ?? ''} stored ${stored}`,
          );
      } finally {
        clearInterval(sampler);
        await ctx.close();
      }
      const floor = await storageFloor(count, root);
      const ratio = rate / raw;
      return [
        {
          name: `pipeline on SQLite, ${count.toLocaleString('en-US')} records (10 fields, 3 sealed), batches of ${BATCH}`,
          value: rate,
          unit: 'records/s',
          baseline: { name: 'JSON.parse + batched insert into a plain table', value: raw },
          ratio,
          target: 'ratio ≥ 0.4',
          isTargetMet: ratio >= 0.4,
        },
        {
          name: 'pipeline beside its storage floor',
          value: rate,
          unit: 'records/s',
          baseline: { name: 'the same rows into the same schema, bare statements, no crypto', value: floor },
          ratio: rate / floor,
          note: `the floor alone is ${(floor / raw).toFixed(2)} of the raw baseline`,
        },
        {
          name: 'peak RSS during the pipeline run',
          value: peak / (1024 * 1024),
          unit: 'MB',
          target: '< 512 MB',
          isTargetMet: peak < 512 * 1024 * 1024,
        },
      ];
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
};
