// Detectors, checksums, field classification and masking: behaviour on known values, on the
// generated labelled corpus, and on random input (never a throw, spans always inside the text).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  classifyField,
  classifyFields,
  detectValue,
  evaluate,
  isResidentId18,
  isUscc,
  luhnValid,
  mask,
  maskText,
  maskValue,
  RECORD_TRUTH,
  Synthetic,
  scanText,
} from '../../src/classify/index.js';
import { effectiveLevel } from '../../src/domain/index.js';

const types = (text: string) => scanText(text).map((d) => [d.type, text.slice(d.start, d.end)]);

describe('checksums', () => {
  it('accepts published examples and refuses near misses', () => {
    expect(isResidentId18('11010519491231002X')).toBe(true);
    expect(isResidentId18('110105194912310021')).toBe(false); // wrong check character
    expect(isResidentId18('990105194912310027')).toBe(false); // no such province
    expect(isResidentId18('110105194902300021')).toBe(false); // 30 February
    expect(isUscc('91350100M000100Y43')).toBe(true);
    expect(isUscc('91350100M000100Y44')).toBe(false);
    expect(luhnValid('6222020200112233445')).toBe(false); // the masking examples' number is not a card
    expect(luhnValid('6212345678901234569')).toBe(true);
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
  });
});

describe('scanText', () => {
  it('finds identifiers with valid checks and ignores numbers that fail them', () => {
    const text =
      '客户张伟，身份证号11010519491231002X，手机 138-0013-8000，卡号 4111 1111 1111 1111。流水号 110105194912310021 已结清。';
    expect(types(text)).toEqual([
      ['PERSON_NAME', '张伟'],
      ['CN_RESIDENT_ID', '11010519491231002X'],
      ['CN_MOBILE', '138-0013-8000'],
      ['BANK_CARD', '4111 1111 1111 1111'],
    ]);
  });

  it('reports UTF-16 offsets into the decoded text', () => {
    const text = '𠮷 e-mail: zhang.wei@example.com';
    const [email] = scanText(text);
    expect(email).toMatchObject({ type: 'EMAIL', start: 11, end: 32 });
    expect(text.slice(email!.start, email!.end)).toBe('zhang.wei@example.com');
  });

  it('recognises USCC, addresses, amounts, dates of birth, secrets and card track data', () => {
    const text =
      '统一社会信用代码91350100M000100Y43，住广东省深圳市南山区科技路100号3栋1201室，出生日期：1990-03-07，贷款金额¥120,000.00，交易密码：Abc12345，CVV2：123；;6222020200112233445=2512101000000?';
    expect(types(text).map(([t]) => t)).toEqual([
      'CN_USCC',
      'ADDRESS',
      'DATE_OF_BIRTH',
      'AMOUNT',
      'PASSWORD',
      'CVV',
      'CARD_TRACK',
    ]);
  });

  it('never throws and always returns spans inside the text (property, every detector)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (text) => {
        for (const d of scanText(text)) {
          expect(d.start).toBeGreaterThanOrEqual(0);
          expect(d.end).toBeLessThanOrEqual(text.length);
          expect(d.end).toBeGreaterThan(d.start);
        }
        detectValue(text);
      }),
      { seed: 171, numRuns: 400 },
    );
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9Xx \-+@.元市省区路号先生女士:：]{0,80}$/), (text) => {
        for (const d of scanText(text)) expect(d.end).toBeLessThanOrEqual(text.length);
        detectValue(text);
      }),
      { seed: 3, numRuns: 400 },
    );
    for (const odd of [null, undefined, 42, {}, [], '', '\u0000\uFFFF', 'x'.repeat(100_000)]) {
      expect(() => scanText(odd as string)).not.toThrow();
      expect(() => detectValue(odd)).not.toThrow();
    }
  });

  it('reaches the targets on the generated corpus, hard negatives included', () => {
    const scores = evaluate(500, 99);
    for (const s of scores) {
      expect(s.f1, s.type).toBeGreaterThanOrEqual(s.checksum ? 0.99 : 0.9);
      if (s.checksum) {
        expect(s.precision, s.type).toBeGreaterThanOrEqual(0.99);
        expect(s.recall, s.type).toBeGreaterThanOrEqual(0.99);
      }
    }
    expect(scores.map((s) => s.type)).toEqual(
      expect.arrayContaining(['PERSON_NAME', 'ADDRESS', 'BANK_CARD', 'CN_USCC']),
    );
  });
});

describe('field classification', () => {
  it('combines field names (Chinese, English, pinyin) with the values', () => {
    const synthetic = new Synthetic(5);
    const ids = Array.from({ length: 50 }, () => synthetic.residentId());
    for (const name of ['身份证号', 'ID_No', 'sfzh', 'zjhm', '借款人身份证号码']) {
      expect(classifyField(name, ids)).toMatchObject({ category: 'C2', level: 3, sensitive: true });
    }
    // Values alone suffice when the name says nothing.
    expect(classifyField('col_7', ids).entities[0]).toEqual({ type: 'CN_RESIDENT_ID', share: 1 });
    // A name alone is not enough when the values contradict it.
    expect(classifyField('sfzh', ['n/a', 'unknown', '-', 'none']).category).toBeNull();
    // Authentication secrets are C3 by name alone.
    expect(classifyField('交易密码', ['x9!kq', 'aa11bb22'])).toMatchObject({
      category: 'C3',
      level: 4,
      sensitive: true,
    });
    // A random 18-digit column is not an ID column.
    const decoys = Array.from({ length: 50 }, () => synthetic.decoyNumber());
    expect(classifyField('serial', decoys).category).toBeNull();
  });

  it('classifies every field of generated records as labelled, and honours workspace raises', () => {
    const synthetic = new Synthetic(11);
    const records = Array.from({ length: 200 }, (_, i) => synthetic.record(i));
    for (const f of classifyFields(records)) {
      const truth = RECORD_TRUTH[f.field];
      if (truth === null) expect(f.category, f.field).toBeNull();
      else
        expect(
          f.entities.map((e) => e.type),
          f.field,
        ).toContain(truth);
    }
    expect(classifyField('mobile', ['13800138000'], { declaredLevel: 5 }).level).toBe(5);
    expect(classifyField('mobile', ['13800138000'], { declaredLevel: 1 }).level).toBe(3);
    expect(effectiveLevel('C3', 2)).toBe(4);
    expect(classifyField('客户编号', ['A1'], { fieldNames: { 客户编号: 'CN_BANK_ACCOUNT' } }).category).toBe(
      'C2',
    );
  });
});

describe('masking', () => {
  it('follows JR/T 0171 for bank cards and the configured operators otherwise', () => {
    expect(maskValue('BANK_CARD', '6222020200112233445')).toBe('622202*********3445');
    expect(maskValue('CN_MOBILE', '13800138000')).toBe('138****8000');
    expect(maskValue('CN_RESIDENT_ID', '11010519491231002X')).toBe('110***********002X');
    expect(maskValue('PERSON_NAME', '张伟')).toBe('张*');
    expect(maskValue('EMAIL', 'zhang.wei@example.com')).toBe('z********@example.com');
    expect(maskValue('ADDRESS', '广东省深圳市南山区科技路100号')).toBe('广东省深圳市***');
    expect(maskValue('DATE_OF_BIRTH', '1990-03-07')).toBe('1990');
    expect(maskValue('PASSWORD', 'hunter2')).toBe('[REDACTED]');
    expect(mask('abcdef', { kind: 'partial', keepFirst: 1, keepLast: 1 })).toBe('a****f');
    expect(mask('ab', { kind: 'partial', keepFirst: 1, keepLast: 1 })).toBe('a*');
    expect(mask('secret', { kind: 'hash', key: 'k' })).toBe(mask('secret', { kind: 'hash', key: 'k' }));
    expect(mask('secret', { kind: 'hash', key: 'k' })).not.toBe(
      mask('secret', { kind: 'hash', key: 'other' }),
    );
    const text = '手机13800138000，邮箱 li@example.com';
    expect(maskText(text, scanText(text))).toBe('手机138****8000，邮箱 l*@example.com');
  });
});
