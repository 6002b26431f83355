// Numbers that pass a checksum by chance or by construction but are not what the checksum
// suggests: order numbers, transaction serials and contract numbers (issue 14). Evidence against
// them: card IIN ranges, GB 32100 registration authority and region, and the label before them.

import { describe, expect, it } from 'vitest';
import {
  cardSchemeOf,
  classifyField,
  detectValue,
  isUscc,
  luhnCheckDigit,
  luhnValid,
  orgCodeCheckChar,
  Synthetic,
  scanText,
  usccCheckChar,
} from '../../src/classify/index.js';

const cards = (text: string) =>
  scanText(text)
    .filter((d) => d.type === 'BANK_CARD')
    .map((d) => text.slice(d.start, d.end));

describe('bank cards against hard negatives', () => {
  it('does not take a Luhn-passing order number for a card', () => {
    const order = '202603151045120015'; // 2026-03-15, sequence; passes Luhn
    expect(luhnValid(order)).toBe(true);
    expect(cards(`订单号${order}已支付成功。`)).toEqual([]);
    expect(cards(`您的订单 ${order} 已发货`)).toEqual([]);
    // Outside every IIN range, even with no label at all.
    expect(cards(`已于今日处理 ${order}。`)).toEqual([]);
    expect(detectValue(order)).toEqual([]);
  });

  it('does not take a labelled serial for a card even inside a card IIN range', () => {
    const serial = '6212345678901234569'; // starts 62 like UnionPay, passes Luhn
    expect(luhnValid(serial)).toBe(true);
    for (const label of [
      '流水号',
      '交易流水号：',
      '交易号 ',
      '单号:',
      '合同编号：',
      'Transaction ID ',
      'Order No. ',
    ]) {
      expect(cards(`${label}${serial}，`), label).toEqual([]);
    }
    // The same digits labelled as a card, or unlabelled, are a card.
    expect(cards(`卡号：${serial}，`)).toEqual([serial]);
    expect(cards(`尾号不详，${serial}，`)).toEqual([serial]);
  });

  it('needs a card label for a Luhn-passing number outside every IIN range', () => {
    const valid = `901234567890123456${luhnCheckDigit('901234567890123456')}`;
    expect(cardSchemeOf(valid)).toBeUndefined();
    expect(cards(`编码 ${valid}。`)).toEqual([]);
    const [card] = scanText(`银行卡号：${valid}。`);
    expect(card).toMatchObject({
      type: 'BANK_CARD',
      confidence: 0.7,
      evidence: ['format', 'checksum', 'context'],
    });
  });

  it('finds the international schemes issued in China by their IIN ranges', () => {
    for (const [card, scheme] of [
      ['4111111111111111', 'visa'],
      ['2223001234567894', 'mastercard'],
      ['3530111122223330', 'jcb'],
      ['6212345678901234569', 'unionpay'],
    ] as const) {
      expect(cardSchemeOf(card), card).toBe(scheme);
      expect(cards(`card ${card}.`), card).toEqual([card]);
    }
    // Mastercard issues 16 digits only: a 19-digit number starting 51 is not one.
    expect(cardSchemeOf('5123456789012345670')).toBeUndefined();
  });

  it('keeps cards out of fields named as business numbers, and takes cards from fields named so', () => {
    const synthetic = new Synthetic(3);
    const luhnPassing = (payload: string) => payload + luhnCheckDigit(payload);
    const serials = Array.from({ length: 40 }, () => luhnPassing(`62${synthetic.digits(16)}`));
    expect(classifyField('col_9', serials).entities[0]?.type).toBe('BANK_CARD');
    for (const name of ['订单号', '交易流水号', 'order_no', 'txnSerialNo', 'contract_id']) {
      expect(classifyField(name, serials).category, name).toBeNull();
    }
    // A card field whose cards are outside the ranges (a new scheme) is still a card field.
    const odd = Array.from({ length: 40 }, () => luhnPassing(`90${synthetic.digits(15)}`));
    expect(classifyField('银行卡号', odd)).toMatchObject({ category: 'C2', sensitive: true });
  });
});

describe('unified social credit codes against hard negatives', () => {
  const build = (head: string, org: string) => {
    const first17 = `${head}${org}${orgCodeCheckChar(org)}`;
    return first17 + usccCheckChar(first17);
  };

  it('refuses codes that pass both checks but name no registration authority or region', () => {
    const contract = build('HT260315', '00012345'); // a contract number built to pass both checks
    expect(contract).toBe('HT260315000123457L');
    expect(isUscc(contract)).toBe(false);
    expect(isUscc(build('HT440300', '00012345'))).toBe(false); // no authority H
    expect(isUscc(build('20440300', '00012345'))).toBe(false); // authority 2, entity type 0
    expect(isUscc(build('91990300', '00012345'))).toBe(false); // province 99
    expect(isUscc(build('91440300', '00012345'))).toBe(true);
    expect(isUscc('91350100M000100Y43')).toBe(true);
  });

  it('does not take a code labelled as a contract number for a USCC', () => {
    const code = build('91440300', '00012345');
    const types = (text: string) => scanText(text).map((d) => d.type);
    expect(types(`合同编号：${code}，甲方盖章。`)).toEqual([]);
    expect(types(`contract no. ${code}.`)).toEqual([]);
    expect(types(`统一社会信用代码：${code}。`)).toEqual(['CN_USCC']);
  });
});

describe('digit runs inside longer ASCII tokens', () => {
  const types = (text: string) => scanText(text).map((d) => d.type);
  const body = '622202020000123';
  const card = `${body}${luhnCheckDigit(body)}`;
  const grouped = card.replace(/(\d{4})(?=\d)/g, '$1 ');

  it('does not read a mobile number or a grouped card inside a hex digest or a reference code', () => {
    expect(types('sha256:9f2c13812345678ab0e4')).not.toContain('CN_MOBILE'); // "13812345678" inside hex
    expect(detectValue('a13812345678f')).toEqual([]);
    expect(types(`REF${grouped}X`)).not.toContain('BANK_CARD');
  });

  it('still finds them next to punctuation, spaces and Chinese text', () => {
    expect(types('电话13812345678，谢谢')).toContain('CN_MOBILE');
    expect(types('tel:+86 138 1234 5678.')).toContain('CN_MOBILE');
    expect(types(`卡号${grouped}`)).toContain('BANK_CARD');
  });
});
