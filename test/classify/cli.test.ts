// `custos classify FILE`: text spans, per-field results, UTF-8 and GBK CSV, masking, and clear
// errors (exit 2) for empty, binary, undecodable and malformed input naming the line.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';
import { encodeGbk } from '../support/gbk.js';

describe('custos classify', () => {
  let dir: string;
  const file = (name: string, content: string | Buffer) => {
    const p = path.join(dir, name);
    writeFileSync(p, content);
    return p;
  };
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'custos-classify-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints entity spans of a text file as UTF-16 offsets, masked unless --show-values', async () => {
    const text = '客户张伟的身份证号11010519491231002X，手机13800138000。';
    const p = file('note.txt', text);
    const result = await cli(['classify', p, '--json']);
    expect(result.code).toBe(0);
    const { entities } = JSON.parse(result.stdout);
    expect(entities.map((e: { type: string }) => e.type)).toEqual([
      'PERSON_NAME',
      'CN_RESIDENT_ID',
      'CN_MOBILE',
    ]);
    const id = entities[1];
    expect(text.slice(id.start, id.end)).toBe('11010519491231002X');
    expect(result.stdout).not.toContain('11010519491231002X');
    expect(id.value).toBe('110***********002X');
    const shown = await cli(['classify', p, '--json', '--show-values']);
    expect(JSON.parse(shown.stdout).entities[1].value).toBe('11010519491231002X');
  });

  it('classifies CSV fields in UTF-8 and GBK alike', async () => {
    const csv =
      '姓名,身份证号,手机号,城市\n张伟,11010519491231002X,13800138000,深圳\n李娜,110105194912310029,13900139000,杭州\n';
    const utf8 = await cli(['classify', file('people.csv', `\uFEFF${csv}`), '--json']);
    expect(utf8.code).toBe(0);
    const fields = JSON.parse(utf8.stdout) as Array<{
      field: string;
      category: string | null;
      example: string;
    }>;
    expect(fields.map((f) => [f.field, f.category])).toEqual([
      ['姓名', 'C2'],
      ['身份证号', 'C2'],
      ['手机号', 'C2'],
      ['城市', null],
    ]);
    expect(fields[2]!.example).toBe('138****8000');
    // GBK bytes of the same CSV (encoded with the GB18030 table of the runtime via a round trip).
    const gbk = encodeGbk(csv);
    const fromGbk = await cli(['classify', file('people-gbk.csv', gbk), '--json']);
    expect(fromGbk.code).toBe(0);
    expect((JSON.parse(fromGbk.stdout) as Array<{ field: string }>).map((f) => f.field)).toEqual([
      '姓名',
      '身份证号',
      '手机号',
      '城市',
    ]);
  });

  it('masks the example of a field it did not recognise: undetected is not public', async () => {
    // 6222021234567890123 fails Luhn: the 卡号 column is not confirmed as cards, yet its values
    // must not be printed in clear.
    const p = file('cards.csv', '卡号,备注\n6222021234567890123,首次开户\n6222021234567890131,续期\n');
    const json = await cli(['classify', p, '--json']);
    expect(json.code).toBe(0);
    const fields = JSON.parse(json.stdout) as Array<{
      field: string;
      category: string | null;
      example: string;
    }>;
    expect(fields.map((f) => [f.field, f.category, f.example])).toEqual([
      ['卡号', null, '*******************'],
      ['备注', null, '****'],
    ]);
    const human = await cli(['classify', p]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('*******************');
    expect(human.stdout).not.toMatch(/6222021234567890123|首次开户/);
    const shown = await cli(['classify', p, '--json', '--show-values']);
    expect(JSON.parse(shown.stdout)[0].example).toBe('6222021234567890123');
  });

  it('refuses bad input with exit 2 and names the file and line', async () => {
    const empty = await cli(['classify', file('empty.txt', '')]);
    expect(empty.code).toBe(2);
    expect(empty.stderr + empty.stdout).toMatch(/empty/);
    const binary = await cli(['classify', file('blob.bin', Buffer.from([0x41, 0x0a, 0x42, 0x00, 0x01]))]);
    expect(binary.code).toBe(2);
    expect(binary.stderr + binary.stdout).toMatch(/binary content .*line 2/);
    const csv = await cli(['classify', file('bad.csv', 'a,b\n1,2\n3,4,5\n')]);
    expect(csv.code).toBe(2);
    expect(csv.stderr + csv.stdout).toMatch(/line 3/);
    const nd = await cli(['classify', file('bad.ndjson', '{"a":1}\n{"a":\n')]);
    expect(nd.code).toBe(2);
    expect(nd.stderr + nd.stdout).toMatch(/line 2 is not valid JSON/);
    const undecodable = await cli(['classify', file('bad.txt', Buffer.from([0x41, 0x0a, 0xff, 0xff, 0xff]))]);
    expect(undecodable.code).toBe(2);
    expect(undecodable.stderr + undecodable.stdout).toMatch(/undecodable bytes at offset 2, line 2/);
  });

  it('prints precision, recall and F1 with --evaluate', async () => {
    const result = await cli(['classify', '--evaluate', '--json']);
    expect(result.code).toBe(0);
    const { scores } = JSON.parse(result.stdout);
    expect(scores.find((s: { type: string }) => s.type === 'CN_RESIDENT_ID').f1).toBeGreaterThanOrEqual(0.99);
  });
});
