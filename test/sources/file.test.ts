// The file connector: CSV in UTF-8 (with BOM) and GBK, NDJSON, JSON arrays and XLSX, streamed in
// batches; resume from state; errors that name the file and line; memory flat with file size.

import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSource } from '../../src/sources/registry.js';
import type { SourceState } from '../../src/sources/types.js';
import { encodeGbk } from '../support/gbk.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'custos-files-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function source(file: string, extra: Record<string, unknown> = {}) {
  return openSource({ name: 'files', type: 'file', path: file, batchSize: 2, ...extra } as never, {
    workspaceDir: dir,
    env: {},
    allowPrivateNetworks: false,
  });
}

async function readAll(file: string, extra: Record<string, unknown> = {}, state: SourceState = null) {
  const s = source(file, extra);
  const [stream] = await s.discover();
  const records: Array<Record<string, unknown>> = [];
  let last: SourceState = state;
  for await (const batch of s.read(stream!.name, state)) {
    records.push(...batch.records);
    last = batch.state;
  }
  return { records, state: last, stream: stream!.name };
}

const CSV = '姓名,手机号,城市\n张伟,13800138000,深圳\n李娜,13900139000,杭州\n王芳,13700137000,北京\n';

describe('file connector', () => {
  it('reads CSV in UTF-8 with a BOM and in GBK, detected', async () => {
    writeFileSync(path.join(dir, 'utf8.csv'), `\uFEFF${CSV}`);
    writeFileSync(path.join(dir, 'gbk.csv'), encodeGbk(CSV));
    for (const file of ['utf8.csv', 'gbk.csv']) {
      const { records } = await readAll(file);
      expect(records).toEqual([
        { 姓名: '张伟', 手机号: '13800138000', 城市: '深圳' },
        { 姓名: '李娜', 手机号: '13900139000', 城市: '杭州' },
        { 姓名: '王芳', 手机号: '13700137000', 城市: '北京' },
      ]);
    }
  });

  it('reads NDJSON and JSON arrays, and resumes from saved state', async () => {
    const rows = Array.from({ length: 5 }, (_, i) => ({ id: i + 1, name: `n${i + 1}` }));
    writeFileSync(path.join(dir, 'rows.ndjson'), `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
    writeFileSync(path.join(dir, 'rows.json'), JSON.stringify(rows));
    for (const file of ['rows.ndjson', 'rows.json']) {
      const { records, stream } = await readAll(file);
      expect(records).toEqual(rows);
      const s = source(file);
      let saved: SourceState = null;
      for await (const batch of s.read(stream, null)) {
        saved = batch.state;
        break;
      }
      const rest = await readAll(file, {}, saved);
      expect(rest.records.map((r) => r.id)).toEqual([3, 4, 5]);
    }
  });

  it('reads on after a file grew, and reads a replaced file from its start', async () => {
    const line = (id: number, batch: string) => `${JSON.stringify({ id, batch })}\n`;
    const file = path.join(dir, 'delivery.ndjson');
    writeFileSync(file, [1, 2, 3].map((id) => line(id, 'monday')).join(''));
    const first = await readAll('delivery.ndjson');
    expect(first.records.map((r) => r.id)).toEqual([1, 2, 3]);
    // Appended to: only the new records.
    writeFileSync(file, [1, 2, 3, 4, 5].map((id) => line(id, 'monday')).join(''));
    const grown = await readAll('delivery.ndjson', {}, first.state);
    expect(grown.records.map((r) => r.id)).toEqual([4, 5]);
    // Replaced by the next delivery under the same name (even a longer one): all of it.
    writeFileSync(file, [6, 7, 8, 9, 10, 11].map((id) => line(id, 'tuesday')).join(''));
    const replaced = await readAll('delivery.ndjson', {}, grown.state);
    expect(replaced.records.map((r) => r.id)).toEqual([6, 7, 8, 9, 10, 11]);
    // Replaced by a shorter file: all of it too.
    writeFileSync(file, line(12, 'wednesday'));
    expect((await readAll('delivery.ndjson', {}, replaced.state)).records.map((r) => r.id)).toEqual([12]);
    // A state from before fingerprints (consumed only) still resumes by count.
    writeFileSync(file, [1, 2, 3].map((id) => line(id, 'monday')).join(''));
    expect((await readAll('delivery.ndjson', {}, { consumed: 2 })).records.map((r) => r.id)).toEqual([3]);
  });

  it('reports how far into the file each batch is', async () => {
    const rows = Array.from({ length: 9 }, (_, i) => JSON.stringify({ id: i, pad: 'x'.repeat(20) }));
    writeFileSync(path.join(dir, 'progress.ndjson'), `${rows.join('\n')}\n`);
    const s = source('progress.ndjson');
    const seen: Array<{ done: number; total: number }> = [];
    for await (const batch of s.read('progress', null)) seen.push(batch.progress!);
    expect(seen.length).toBe(5);
    const size = Buffer.byteLength(`${rows.join('\n')}\n`);
    for (const p of seen) expect(p).toEqual({ done: expect.any(Number), total: size });
    expect(seen.at(-1)!.done).toBe(size);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.done).toBeGreaterThanOrEqual(seen[i - 1]!.done);
  });

  it('reads the first sheet of an XLSX workbook with its header row', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('客户');
    sheet.addRow(['姓名', '身份证号', '额度']);
    sheet.addRow(['张伟', '11010519491231002X', 50000]);
    sheet.addRow(['李娜', '110105194912310029', 80000]);
    await workbook.xlsx.writeFile(path.join(dir, 'book.xlsx'));
    const { records } = await readAll('book.xlsx');
    expect(records).toEqual([
      { 姓名: '张伟', 身份证号: '11010519491231002X', 额度: 50000 },
      { 姓名: '李娜', 身份证号: '110105194912310029', 额度: 80000 },
    ]);
  });

  it('names the file and line of malformed input', async () => {
    writeFileSync(path.join(dir, 'bad.csv'), 'a,b\n1,2\n3,4,5\n');
    await expect(readAll('bad.csv')).rejects.toThrow(/bad\.csv line 3: malformed CSV/);
    writeFileSync(path.join(dir, 'bad.ndjson'), '{"a":1}\n\n{"a":\n');
    await expect(readAll('bad.ndjson')).rejects.toThrow(/bad\.ndjson line 3 is not valid JSON/);
    writeFileSync(path.join(dir, 'bad.json'), '[{"a":1}, 7]');
    await expect(readAll('bad.json')).rejects.toThrow(/item 2 is not a JSON object/);
    writeFileSync(path.join(dir, 'bad.xlsx'), 'not a zip');
    await expect(readAll('bad.xlsx')).rejects.toThrow(/not a readable XLSX file/);
    await expect(readAll('missing.csv')).rejects.toThrow(/missing\.csv cannot be read/);
  });

  it('streams: memory does not grow with the file', async () => {
    const file = path.join(dir, 'big.ndjson');
    const out = createWriteStream(file);
    const line = `${JSON.stringify({ id: 0, note: 'x'.repeat(400) })}\n`;
    for (let i = 0; i < 150_000; i++) out.write(line);
    await new Promise((r) => out.end(r));
    // A real collector (vitest runs without --expose-gc): the figures are then what the reader
    // holds, not garbage that happened not to be collected yet.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const before = process.memoryUsage().heapUsed;
    let count = 0;
    const retained: number[] = [];
    for await (const batch of source('big.ndjson', { batchSize: 1000 }).read('big', null)) {
      count += batch.records.length;
      if (count % 20_000 === 0) {
        gc();
        retained.push(process.memoryUsage().heapUsed - before);
      }
    }
    expect(count).toBe(150_000);
    expect(retained.length).toBe(7);
    // ~65 MB of input; the reader holds a batch at a time (under 1 MB of records): what it holds
    // after 140,000 records is what it held after 20,000. Keeping even one record in four would add
    // ~14 MB between the first and the last figure.
    expect(Math.max(...retained)).toBeLessThan(16 * 1024 * 1024);
    expect(Math.max(...retained) - retained[0]!).toBeLessThan(4 * 1024 * 1024);
  });
});
