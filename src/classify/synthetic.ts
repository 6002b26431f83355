// Realistic synthetic personal data with valid checksums and labels, from a seeded PRNG: used by
// tests, the evaluation (precision/recall/F1) and the benchmarks. Every value is made up. The texts
// carry hard negatives too: order numbers, transaction serials and contract numbers built to pass
// the Luhn or GB 32100 check, so a detector that trusts checksums alone loses precision.

import type { EntityType } from '../domain/classification.js';
import {
  idCardCheckChar,
  isBankCardNumber,
  isResidentId18,
  isUscc,
  KNOWN_BINS,
  luhnCheckDigit,
  orgCodeCheckChar,
  USCC_CHARSET,
  usccCheckChar,
} from './checksums.js';
import { GIVEN_NAME_CHARS, SURNAMES } from './names.js';

/** Where generated Chinese names come from. Evaluations pass lists the detector never sees. */
export interface NameLists {
  /** Single or compound surnames. */
  surnames: readonly string[];
  /** Characters given names are drawn from. */
  givenNameChars: string;
}

export interface Label {
  type: EntityType;
  start: number;
  end: number;
}

export interface LabelledText {
  text: string;
  labels: Label[];
}

/** mulberry32: small, fast, seeded. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const REGIONS = [
  '110101',
  '110105',
  '310104',
  '310115',
  '440305',
  '440106',
  '330106',
  '510104',
  '320102',
  '420106',
  '370202',
  '610113',
  '500103',
  '120101',
];
const PLACES: Array<[string, string, string[]]> = [
  ['广东省', '深圳', ['南山', '福田', '罗湖']],
  ['浙江省', '杭州', ['西湖', '滨江', '余杭']],
  ['江苏省', '南京', ['鼓楼', '玄武', '建邺']],
  ['', '北京', ['朝阳', '海淀', '东城']],
  ['', '上海', ['浦东新', '徐汇', '静安']],
  ['四川省', '成都', ['武侯', '锦江', '青羊']],
];
const ROADS = ['科技', '人民', '建设', '解放', '中山', '长江', '文化', '和平', '新华', '学府'];
const DOMAINS = ['example.com', 'mail.example.cn', 'demo.example.org'];
const PINYIN = ['zhang', 'wang', 'li', 'liu', 'chen', 'yang', 'zhao', 'huang', 'zhou', 'wu', 'xu', 'sun'];
const PLATE_PROVINCES = '京沪粤浙苏川鲁';
const LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const DETECTOR_NAMES: NameLists = { surnames: [...SURNAMES], givenNameChars: GIVEN_NAME_CHARS };

export class Synthetic {
  readonly random: () => number;
  private readonly names: NameLists;
  private readonly givenNameChars: string[];
  /** `names` defaults to the detector's own surname list (fine for demo data, not for scoring). */
  constructor(seed = 20261125, names: NameLists = DETECTOR_NAMES) {
    this.random = createRandom(seed);
    this.names = names;
    this.givenNameChars = [...names.givenNameChars];
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  digits(n: number): string {
    let out = '';
    for (let i = 0; i < n; i++) out += String(this.int(0, 9));
    return out;
  }

  birthDate(): { y: number; m: number; d: number } {
    return { y: this.int(1950, 2004), m: this.int(1, 12), d: this.int(1, 28) };
  }

  residentId(): string {
    const { y, m, d } = this.birthDate();
    const body = `${this.pick(REGIONS)}${y}${String(m).padStart(2, '0')}${String(d).padStart(2, '0')}${this.digits(3)}`;
    return body + idCardCheckChar(body);
  }

  uscc(): string {
    for (;;) {
      let org = '';
      for (let i = 0; i < 8; i++)
        org += this.random() < 0.8 ? String(this.int(0, 9)) : this.pick([...'ABCDEFGHJKLMN']);
      const orgCheck = orgCodeCheckChar(org)!;
      if (!USCC_CHARSET.includes(orgCheck)) continue;
      const body = `91${this.pick(REGIONS)}${org}${orgCheck}`;
      return body + usccCheckChar(body)!;
    }
  }

  bankCard(): string {
    const length = this.random() < 0.7 ? 16 : 19;
    const bin = this.random() < 0.7 ? this.pick(KNOWN_BINS) : `62${this.digits(4)}`;
    const payload = bin + this.digits(length - bin.length - 1);
    return payload + luhnCheckDigit(payload);
  }

  /** A card of an international scheme issued in China: Visa, Mastercard (both ranges) or JCB. */
  internationalCard(): string {
    const r = this.random();
    const prefix =
      r < 0.4
        ? `4${this.digits(5)}`
        : r < 0.65
          ? `5${this.int(1, 5)}${this.digits(4)}`
          : r < 0.8
            ? `${this.int(2221, 2720)}${this.digits(2)}`
            : `${this.int(3528, 3589)}${this.digits(2)}`;
    const payload = prefix + this.digits(16 - prefix.length - 1);
    return payload + luhnCheckDigit(payload);
  }

  /** Digits completed with a Luhn check digit: what makes a hard negative hard. */
  private luhnPassing(payload: string): string {
    return payload + luhnCheckDigit(payload);
  }

  private compactDate(): string {
    return `${this.int(2024, 2026)}${String(this.int(1, 12)).padStart(2, '0')}${String(this.int(1, 28)).padStart(2, '0')}`;
  }

  /** An e-commerce or payment order number: date first, 16–19 digits, passing Luhn (hard negative). */
  orderNumber(): string {
    const length = this.int(16, 19);
    return this.luhnPassing(`${this.compactDate()}${this.digits(length - 9)}`);
  }

  /**
   * A transaction serial: 16–19 digits from any leading digit — a third of them start with 4, 5 or
   * 6 like a card — passing Luhn (hard negative that only the context word gives away).
   */
  transactionSerial(): string {
    const length = this.int(16, 19);
    const lead = this.random() < 0.35 ? this.pick(['4', '5', '62']) : String(this.int(1, 9));
    return this.luhnPassing(lead + this.digits(length - lead.length - 1));
  }

  /**
   * A contract number shaped like its kind (HT/JK/DK + date + sequence, or year + sequence) that
   * passes the GB 32100 checks: the organisation-code check and the mod-31 check (hard negative).
   */
  contractNumber(): string {
    for (;;) {
      const date = this.compactDate();
      const head = this.random() < 0.6 ? `${this.pick(['HT', 'JK', 'DK', 'BX'])}${date.slice(2)}` : date;
      const org = this.digits(8);
      const orgCheck = orgCodeCheckChar(org)!;
      if (!USCC_CHARSET.includes(orgCheck)) continue;
      const first17 = `${head}${org}${orgCheck}`;
      return first17 + usccCheckChar(first17)!;
    }
  }

  formattedCard(): string {
    const card = this.bankCard();
    return card.length === 16 && this.random() < 0.4 ? card.replace(/(\d{4})(?=\d)/g, '$1 ') : card;
  }

  mobile(): string {
    return `1${this.pick(['3', '5', '7', '8', '9'])}${this.digits(9)}`;
  }

  formattedMobile(): string {
    const m = this.mobile();
    const r = this.random();
    if (r < 0.6) return m;
    if (r < 0.8) return `${m.slice(0, 3)}-${m.slice(3, 7)}-${m.slice(7)}`;
    return `+86 ${m.slice(0, 3)} ${m.slice(3, 7)} ${m.slice(7)}`;
  }

  landline(): string {
    return this.random() < 0.5
      ? `010-${this.int(5, 8)}${this.digits(7)}`
      : `0755-${this.int(2, 8)}${this.digits(7)}`;
  }

  email(): string {
    return `${this.pick(PINYIN)}.${this.pick(PINYIN)}${this.int(1, 999)}@${this.pick(DOMAINS)}`;
  }

  passport(): string {
    return this.random() < 0.5
      ? `E${this.digits(8)}`
      : `E${this.pick([...LETTERS.replace('I', '').replace('O', '')])}${this.digits(7)}`;
  }

  permit(): string {
    return this.random() < 0.5 ? `H${this.digits(8)}` : `C${this.pick([...LETTERS])}${this.digits(7)}`;
  }

  plate(): string {
    let tail = '';
    for (let i = 0; i < 5; i++)
      tail += this.random() < 0.7 ? String(this.int(0, 9)) : this.pick([...LETTERS]);
    return `${this.pick([...PLATE_PROVINCES])}${this.pick([...LETTERS])}${tail}`;
  }

  ip(): string {
    return `${this.int(1, 223)}.${this.int(0, 255)}.${this.int(0, 255)}.${this.int(1, 254)}`;
  }

  chineseName(given = this.int(1, 2)): string {
    let name = this.pick(this.names.surnames);
    for (let i = 0; i < given; i++) name += this.pick(this.givenNameChars);
    return name;
  }

  latinName(): string {
    const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1);
    return `${cap(this.pick(PINYIN))} ${cap(this.pick(PINYIN))}${this.pick(['', 'ming', 'hua', 'wei'])}`;
  }

  address(): string {
    const [province, city, districts] = this.pick(PLACES);
    return `${province}${city}市${this.pick(districts)}区${this.pick(ROADS)}路${this.int(1, 999)}号${this.int(1, 30)}栋${this.int(101, 2505)}室`;
  }

  amount(): string {
    const value = (this.int(100, 5_000_000) / 100).toFixed(2);
    const r = this.random();
    return r < 0.4 ? `¥${value}` : r < 0.8 ? `${value}元` : `人民币${this.int(1, 500)}万元`;
  }

  dateOfBirth(): string {
    const { y, m, d } = this.birthDate();
    return this.random() < 0.5
      ? `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`
      : `${y}年${m}月${d}日`;
  }

  bankAccount(): string {
    for (;;) {
      const account = this.digits(this.int(12, 22));
      if (!isBankCardNumber(account) && !isResidentId18(account)) return account;
    }
  }

  password(): string {
    const chars = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
    let out = '';
    for (let i = 0; i < this.int(8, 12); i++) out += this.pick([...chars]);
    return out;
  }

  /** An 18-digit number that is not an ID card, USCC or bank card (a negative example). */
  decoyNumber(): string {
    for (;;) {
      const n = `9${this.digits(17)}`;
      if (!isResidentId18(n) && !isUscc(n) && !isBankCardNumber(n)) return n;
    }
  }

  /**
   * A document-like text: mostly prose (announcements, market commentary, policy text) with a
   * labelled paragraph of personal data every few paragraphs.
   */
  document(paragraphs = 12): LabelledText {
    let text = '';
    const labels: Label[] = [];
    for (let i = 0; i < paragraphs; i++) {
      if (i % 4 === 1) {
        const part = this.text(3);
        for (const l of part.labels)
          labels.push({ ...l, start: l.start + text.length, end: l.end + text.length });
        text += `${part.text}\n`;
      } else text += `${this.pick(PROSE)}\n`;
    }
    return { text, labels };
  }

  /** A labelled paragraph of mixed Chinese/English text. */
  text(sentences = 6): LabelledText {
    const parts: Array<string | [EntityType, string]> = [];
    for (let i = 0; i < sentences; i++) parts.push(...this.sentence(), ' ');
    let text = '';
    const labels: Label[] = [];
    for (const part of parts) {
      if (typeof part === 'string') text += part;
      else {
        labels.push({ type: part[0], start: text.length, end: text.length + part[1].length });
        text += part[1];
      }
    }
    return { text, labels };
  }

  private sentence(): Array<string | [EntityType, string]> {
    const name = (): [EntityType, string] => ['PERSON_NAME', this.chineseName()];
    switch (this.int(0, 15)) {
      case 0:
        return [
          '借款人',
          name(),
          '（身份证号码：',
          ['CN_RESIDENT_ID', this.residentId()],
          '）于2024年3月申请个人消费贷款，金额',
          ['AMOUNT', this.amount()],
          '，联系电话',
          ['CN_MOBILE', this.formattedMobile()],
          '。',
        ];
      case 1:
        return [
          'Customer contact: ',
          ['EMAIL', this.email()],
          ', mobile ',
          ['CN_MOBILE', this.mobile()],
          ', card ',
          ['BANK_CARD', this.formattedCard()],
          '.',
        ];
      case 2:
        return [
          '被执行人',
          name(),
          '，住',
          ['ADDRESS', this.address()],
          '，出生日期：',
          ['DATE_OF_BIRTH', this.dateOfBirth()],
          '。',
        ];
      case 3:
        return ['收款账号：', ['CN_BANK_ACCOUNT', this.bankAccount()], '，开户行：中国工商银行北京分行。'];
      case 4:
        return [
          '企业统一社会信用代码',
          ['CN_USCC', this.uscc()],
          '，法定代表人',
          name(),
          '，办公电话',
          ['CN_LANDLINE', this.landline()],
          '。',
        ];
      case 5:
        return [
          'The applicant presented passport ',
          ['CN_PASSPORT', this.passport()],
          ' and permit ',
          ['HK_MACAU_PERMIT', this.permit()],
          '; vehicle ',
          ['CN_LICENSE_PLATE', this.plate()],
          ' is registered to the household.',
        ];
      case 6:
        return [
          '登录IP ',
          ['IP_ADDRESS', this.ip()],
          '，系统显示交易密码：',
          ['PASSWORD', this.password()],
          ' 已被重置，请联系',
          name(),
          '处理。',
        ];
      case 7:
        return [
          '流水号',
          this.decoyNumber(),
          '的订单已于2024年5月完成清算，本公司依据《个人信息保护法》仅为信用评估目的处理相关数据。',
        ];
      case 8:
        return [
          ['PERSON_NAME', this.chineseName(1)],
          '女士的卡号',
          ['BANK_CARD', this.bankCard()],
          '已冻结，CVV2：',
          ['CVV', this.digits(3)],
          '。',
        ];
      case 9:
        return [
          'Applicant ',
          ['CN_RESIDENT_ID', this.residentId()],
          ' was born on the date in the record; DOB: ',
          ['DATE_OF_BIRTH', this.dateOfBirth()],
          '.',
        ];
      case 10:
        return [
          '申请人',
          name(),
          '的住址为',
          ['ADDRESS', this.address()],
          '，月收入',
          ['AMOUNT', this.amount()],
          '。',
        ];
      case 11:
        return [
          '订单号',
          this.orderNumber(),
          '已支付成功，支付卡号：',
          ['BANK_CARD', this.formattedCard()],
          '，交易流水号',
          this.transactionSerial(),
          '，如有疑问请联系客服。',
        ];
      case 12:
        return [
          '合同编号：',
          this.contractNumber(),
          '，借款人',
          name(),
          '，贷款人统一社会信用代码',
          ['CN_USCC', this.uscc()],
          '，放款账户卡号',
          ['BANK_CARD', this.internationalCard()],
          '。',
        ];
      case 13:
        return [
          'Order No. ',
          this.orderNumber(),
          ' was paid by card ',
          ['BANK_CARD', this.internationalCard()],
          '; transaction ID ',
          this.transactionSerial(),
          ', contract no. ',
          this.contractNumber(),
          '.',
        ];
      case 14:
        return [
          '交易号',
          this.transactionSerial(),
          '，退款单号 ',
          this.orderNumber(),
          '，对应合同编号',
          this.contractNumber(),
          '，原路退回至尾号',
          this.digits(4),
          '的银行卡。',
        ];
      default:
        return [
          'Market update: the index rose 2.3% to 3,215 points on volume of 412 billion; analysts expect steady growth in consumer credit.',
        ];
    }
  }

  /** A 10-field record (3 sensitive: id_no, bank_card, mobile) with the truth for each field. */
  record(i: number): Record<string, unknown> {
    return {
      customer_id: `C${String(i).padStart(9, '0')}`,
      name: this.chineseName(),
      id_no: this.residentId(),
      mobile: this.mobile(),
      bank_card: this.bankCard(),
      email: this.email(),
      address: this.address(),
      monthly_income: this.int(3000, 80000),
      city: this.pick(['深圳', '杭州', '北京', '上海']),
      product: this.pick(['消费贷', '信用卡', '车贷']),
    };
  }
}

const PROSE = [
  '根据《中华人民共和国个人信息保护法》《金融数据安全 数据安全分级指南》等法律法规和行业标准，本公司制定了数据分类分级管理办法，明确了数据的收集、存储、使用、加工、传输、提供、公开和删除等各环节的安全要求，并定期开展个人信息保护影响评估。',
  'The board reviewed the quarterly results: net interest margin narrowed slightly to 2.1%, non-performing loans remained stable, and the consumer finance segment grew on the back of stronger demand in tier-two cities. Management expects credit costs to normalise next year.',
  '本期报告显示，消费信贷市场整体保持平稳增长，线上渠道占比进一步提升。监管部门持续加强对互联网贷款业务的规范管理，要求机构落实贷款用途管理、风险自担和合作机构名单制管理等要求。',
  'Our data protection programme covers consent management, purpose limitation, access controls and retention schedules. Every request to use personal information for analytics is reviewed by the compliance team before approval, and access is logged in a verifiable audit trail.',
  '公告：我行将于本周六凌晨进行系统升级维护，届时手机银行、网上银行及部分自助设备将暂停服务，给您带来的不便敬请谅解。如有疑问，请拨打客服热线或前往营业网点咨询。',
  'Market commentary: equities closed mixed as investors weighed the latest inflation figures; the yield curve flattened and the currency held steady against a basket of major trading partners.',
];

export const RECORD_TRUTH: Record<string, EntityType | null> = {
  customer_id: null,
  name: 'PERSON_NAME',
  id_no: 'CN_RESIDENT_ID',
  mobile: 'CN_MOBILE',
  bank_card: 'BANK_CARD',
  email: 'EMAIL',
  address: 'ADDRESS',
  monthly_income: 'AMOUNT',
  city: null,
  product: null,
};
