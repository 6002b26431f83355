// Detectors over free text and single values. One combined regular expression finds candidates in
// a single pass; each candidate is then validated (checksum, region, date, context) before it is
// reported, so a random 18-digit number is never an ID card. Offsets are JavaScript string (UTF-16)
// offsets into the text, end exclusive. Pure and total: no input makes them throw.

import { ENTITY_FACTS, type EntityType } from '../domain/classification.js';
import { cardSchemeOf } from './card-issuers.js';
import { isBankCardNumber, isResidentId15, isResidentId18, isUscc, KNOWN_BINS } from './checksums.js';
import { COMPOUND_SURNAMES, SURNAMES } from './names.js';
import { hasBusinessLabel, hasCardLabel } from './number-labels.js';

export type Evidence = 'format' | 'checksum' | 'context' | 'field_name' | 'dictionary' | 'bin';

export interface Detection {
  type: EntityType;
  start: number;
  end: number;
  confidence: number;
  evidence: Evidence[];
}

// Shared, frozen evidence lists: detections are many, their evidence kinds few.
const E_FORMAT: Evidence[] = Object.freeze(['format']) as Evidence[];
const E_CONTEXT: Evidence[] = Object.freeze(['context']) as Evidence[];
const E_CHECKSUM: Evidence[] = Object.freeze(['format', 'checksum']) as Evidence[];
const E_CONTEXT_FORMAT: Evidence[] = Object.freeze(['context', 'format']) as Evidence[];
const E_CONTEXT_DICTIONARY: Evidence[] = Object.freeze(['context', 'dictionary']) as Evidence[];
const E_BIN: Evidence[] = Object.freeze(['format', 'checksum', 'bin']) as Evidence[];
const E_CHECKSUM_CONTEXT: Evidence[] = Object.freeze(['format', 'checksum', 'context']) as Evidence[];
const E_DICTIONARY: Evidence[] = Object.freeze(['dictionary']) as Evidence[];

const HAN = '\\u4e00-\\u9fa5';
const PLATE_PROVINCES = '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼';
const NAME_CONTEXT =
  '姓名|客户|借款人|请联系|申请人|联系人|被执行人|法定代表人|当事人|原告|被告|持卡人|户名|收款人|付款人|担保人|经办人|投保人|被保险人';
/**
 * Context words that name a person's role so plainly that what follows is a name even when its
 * surname is not in the dictionary (客户 and 请联系 are followed by too many other words).
 */
const ROLE_CONTEXT = new Set(NAME_CONTEXT.split('|').filter((w) => w !== '客户' && w !== '请联系'));
const PROVINCE_START = '北京|上海|天津|重庆|[\\u4e00-\\u9fa5]{2,3}(?:省|自治区)';

// Named groups, longest/most specific first. Boundaries keep digit runs whole: an ASCII letter or
// digit next to a run makes it part of a longer token (a hex digest, a reference code), not a number.
export const PATTERNS = [
  `(?<track>;\\d{16,19}=\\d{4,30}\\?)`,
  `(?<secret>(?:密码|口令|[Pp]assword|[Pp]asswd|[Pp]wd|PIN码|PIN|CVV2?|CVN2?|安全码)\\s*[:：=]\\s*(?<secretValue>[^\\s,，;；。]{3,32}))`,
  // Anchored on "@"; the local part is read backwards from it.
  `(?<email>@(?<=(?<emailLocal>[A-Za-z0-9][A-Za-z0-9._%+-]{0,63})@)[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,12})`,
  `(?<ip>(?<![\\d.])(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(?:\\.(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}(?![\\d.]))`,
  // 18-character codes: resident IDs (digits, final X) and unified social credit codes.
  `(?<uscc>(?<![0-9A-Za-z])[0-9A-HJ-NPQRTUWXY]{2}\\d{6}[0-9A-HJ-NPQRTUWXY]{9}[0-9A-HJ-NPQRTUWXYx](?![0-9A-Za-z]))`,
  `(?<mobile>(?<![0-9A-Za-z])(?:(?:\\+|00)86[ -]?)?1[3-9]\\d(?:[ -]?\\d{4}){2}(?![0-9A-Za-z]))`,
  // Cards written in groups (6222 0202 …); plain digit runs are the next pattern.
  `(?<card>(?<![0-9A-Za-z])\\d{4}[ -]\\d{4}[ -]\\d{4}[ -]\\d{4}(?:[ -]?\\d{1,3})?(?![0-9A-Za-z]))`,
  // Plain runs of 15–19 digits: legacy 15-digit IDs and bank cards.
  `(?<digits>(?<![0-9A-Za-z])\\d{15,19}(?![0-9A-Za-z]))`,
  `(?<account>(?:账号|账户|帐号|[Aa]ccount(?: [Nn]o\\.?| [Nn]umber)?)\\s*[:：]?\\s*(?<accountValue>\\d{10,25})(?!\\d))`,
  `(?<landline>(?<![\\d])(?:\\(0\\d{2,3}\\)|0\\d{2,3}[- ])\\d{7,8}(?:-\\d{1,6})?(?!\\d))`,
  `(?<passport>(?<![0-9A-Za-z])(?:[EG]\\d{8}|E[A-HJ-NP-Z]\\d{7})(?![0-9A-Za-z]))`,
  `(?<permit>(?<![0-9A-Za-z])(?:[HM]\\d{8}(?:\\d{2})?|C[A-Z0-9]\\d{7})(?![0-9A-Za-z]))`,
  `(?<plate>[${PLATE_PROVINCES}][A-HJ-NP-Z][A-HJ-NP-Z0-9]{5,6}(?![A-Za-z0-9]))`,
  `(?<dob>(?:出生日期|出生年月|生日|出生于|[Dd]ate of [Bb]irth|DOB|[Bb]orn on)\\s*[:：]?\\s*(?<dobValue>(?:19|20)\\d{2}(?:[-/.年])\\d{1,2}(?:[-/.月])\\d{1,2}日?))`,
  `(?<amount>(?:[¥￥]|RMB|CNY|人民币)\\s?\\d[\\d,]*(?:\\.\\d{1,2})?(?:万元|元)?)`,
  // Amounts written before their unit: anchored on 元, the number is read backwards.
  `(?<amountBefore>元(?<=(?<amountValue>(?<![\\d,.])\\d[\\d,]*(?:\\.\\d{1,2})?\\s?万?)元))`,
  `(?<name>(?:${NAME_CONTEXT})\\s*[:：]?\\s*(?<nameValue>[${HAN}]{2,4}))`,
  // Anchored on the literal title; the name is read backwards from it.
  `(?<title>(?:先生|女士)(?<=(?<titleValue>[${HAN}]{1,3})(?:先生|女士)))`,
  // Anchored on the city suffix; province and city name are read backwards from it.
  `(?<address>[市州盟](?<=(?<addressHead>(?:${PROVINCE_START})?[${HAN}]{2,7})[市州盟])[${HAN}]{1,7}(?:区|县|旗|市)[${HAN}\\d]{1,16}(?:路|街|大道|巷|道)(?:\\d{1,5}(?:号|弄))(?:[${HAN}\\d-]{0,12}(?:室|号楼|栋|单元|楼|号))?)`,
];

// No i/u flags: both slow the engine down markedly; case variants are spelled out above.
const COMBINED = new RegExp(PATTERNS.join('|'), 'g');
// The scanner runs each pattern on its own: alone, each keeps the engine's literal and anchor
// optimisations that one big alternation loses (several times faster over Chinese text).
// Named groups become numbered ones (a match then allocates no groups object); each pattern
// keeps one reusable view that `handle` reads group values from.
interface CompiledPattern {
  regex: RegExp;
  names: string[];
}
const SEPARATE: CompiledPattern[] = PATTERNS.map((pattern) => ({
  regex: new RegExp(pattern.replace(/\(\?<([A-Za-z]+)>/g, '('), 'g'),
  names: [...pattern.matchAll(/\(\?<([A-Za-z]+)>/g)].map((m) => m[1]!),
}));
/**
 * One object of one shape for every pattern's groups (keeps `handle` monomorphic), reused across
 * calls: scanning is synchronous, and every pattern clears its own names when done.
 */
const VIEW: Record<string, string | undefined> = Object.fromEntries(
  SEPARATE.flatMap((p) => p.names).map((n) => [n, undefined]),
);

/** The baseline of the benchmark: the same combined expression, matches only, no validation. */
export function countRawMatches(text: string): number {
  let count = 0;
  COMBINED.lastIndex = 0;
  while (COMBINED.exec(text) !== null) count += 1;
  return count;
}

function digitsOf(value: string): string {
  return value.replace(/[^\dXx]/g, '');
}

function push(
  out: Detection[],
  type: EntityType,
  start: number,
  end: number,
  confidence: number,
  evidence: Evidence[],
): void {
  out.push({ type, start, end, confidence, evidence });
}

const SECRET_TYPES: Record<string, EntityType> = {
  密码: 'PASSWORD',
  口令: 'PASSWORD',
  password: 'PASSWORD',
  passwd: 'PASSWORD',
  pwd: 'PASSWORD',
  pin码: 'PIN',
  pin: 'PIN',
  cvv: 'CVV',
  cvv2: 'CVV',
  cvn: 'CVV',
  cvn2: 'CVV',
  安全码: 'CVV',
};

/** Scans free text for personal information. Overlapping candidates keep the best one. */
export function scanText(text: string): Detection[] {
  const out: Detection[] = [];
  if (typeof text !== 'string' || text.length === 0) return out;
  const view = VIEW;
  for (const { regex, names } of SEPARATE) {
    regex.lastIndex = 0;
    let match: RegExpExecArray | null = regex.exec(text);
    while (match !== null) {
      if (match[0].length === 0) regex.lastIndex += 1;
      else {
        for (let i = 0; i < names.length; i++) view[names[i]!] = match[i + 1];
        // A name context that turned out not to hold a name (客户姓名：…) may hide the next one.
        if (!handle(out, match, view) && view.name !== undefined) regex.lastIndex = match.index + 1;
      }
      match = regex.exec(text);
    }
    for (const name of names) view[name] = undefined;
  }
  return resolveOverlaps(out);
}

/** Pushes what the match holds; false when it held nothing (a candidate that failed its checks). */
function handle(out: Detection[], match: RegExpExecArray, g: Record<string, string | undefined>): boolean {
  const before = out.length;
  handleMatch(out, match, g);
  return out.length > before;
}

function handleMatch(out: Detection[], match: RegExpExecArray, g: Record<string, string | undefined>): void {
  const start = match.index;
  const whole = match[0];
  const end = start + whole.length;
  if (g.track !== undefined) {
    push(out, 'CARD_TRACK', start, end, 0.95, E_FORMAT);
  } else if (g.secret !== undefined) {
    const label = whole.slice(0, whole.search(/\s*[:：=]/)).toLowerCase();
    const value = g.secretValue!;
    const type = SECRET_TYPES[label] ?? 'PASSWORD';
    if (type !== 'CVV' || /^\d{3,4}$/.test(value)) push(out, type, end - value.length, end, 0.9, E_CONTEXT);
  } else if (g.email !== undefined) {
    push(out, 'EMAIL', start - g.emailLocal!.length, end, 0.97, E_FORMAT);
  } else if (g.ip !== undefined) {
    push(out, 'IP_ADDRESS', start, end, 0.9, E_FORMAT);
  } else if (g.uscc !== undefined) {
    // An all-digit code valid as both is far more likely an ID card in personal data.
    if (/^\d{17}[\dX]$/i.test(whole) && isResidentId18(whole)) {
      push(out, 'CN_RESIDENT_ID', start, end, 0.99, E_CHECKSUM);
    } else if (isUscc(whole) && !hasBusinessLabel(match.input, start)) {
      push(out, 'CN_USCC', start, end, 0.99, E_CHECKSUM);
    }
  } else if (g.mobile !== undefined) {
    push(out, 'CN_MOBILE', start, end, 0.9, E_FORMAT);
  } else if (g.card !== undefined) {
    cardInText(out, match.input, digitsOf(whole), start, end);
  } else if (g.digits !== undefined) {
    if (whole.length === 15) {
      if (isResidentId15(whole)) push(out, 'CN_RESIDENT_ID', start, end, 0.8, E_FORMAT);
    } else cardInText(out, match.input, whole, start, end);
  } else if (g.account !== undefined) {
    const value = g.accountValue!;
    const valueStart = end - value.length;
    if (isBankCardNumber(value) && cardSchemeOf(value) !== undefined)
      cardDetection(out, value, valueStart, end);
    else push(out, 'CN_BANK_ACCOUNT', valueStart, end, 0.85, E_CONTEXT_FORMAT);
  } else if (g.landline !== undefined) {
    if (!/^(?:400|800)/.test(whole)) push(out, 'CN_LANDLINE', start, end, 0.8, E_FORMAT);
  } else if (g.passport !== undefined) {
    push(out, 'CN_PASSPORT', start, end, 0.75, E_FORMAT);
  } else if (g.permit !== undefined) {
    push(out, 'HK_MACAU_PERMIT', start, end, 0.6, E_FORMAT);
  } else if (g.plate !== undefined) {
    push(out, 'CN_LICENSE_PLATE', start, end, 0.85, E_FORMAT);
  } else if (g.dob !== undefined) {
    const value = g.dobValue!;
    push(out, 'DATE_OF_BIRTH', end - value.length, end, 0.9, E_CONTEXT_FORMAT);
  } else if (g.amount !== undefined) {
    push(out, 'AMOUNT', start, end, 0.8, E_FORMAT);
  } else if (g.amountBefore !== undefined) {
    push(out, 'AMOUNT', start - g.amountValue!.length, end, 0.8, E_FORMAT);
  } else if (g.name !== undefined) {
    nameAfterContext(out, match.input, whole, g.nameValue!, end);
  } else if (g.title !== undefined) {
    const value = g.titleValue!;
    const nameStart = lastSurnameStart(value);
    if (nameStart >= 0) {
      push(out, 'PERSON_NAME', start - value.length + nameStart, start, 0.8, E_CONTEXT_DICTIONARY);
    } else {
      // An unknown surname: the whole run before 先生/女士 is the name when nothing but
      // punctuation, a space or the start of the text comes before it (，缑女士 / 缑芳女士的…).
      const runStart = start - value.length;
      const name = value.replace(NON_NAME_LEAD, '');
      if (name.length > 0 && !HAN_CHAR.test(match.input[runStart - 1] ?? '') && !NON_NAME_START.has(name[0]!))
        push(out, 'PERSON_NAME', start - name.length, start, 0.7, E_CONTEXT);
    }
  } else if (g.address !== undefined) {
    const head = g.addressHead!;
    // Words the backwards read may have taken in before the place name: 的住址为上海市… → 上海市…
    const lead = /^.*[的住址为在于是到居位]/.exec(head)?.[0].length ?? 0;
    push(out, 'ADDRESS', start - head.length + lead, end, 0.85, E_FORMAT);
  }
}

/** A Luhn-passing card in an IIN range (see card-issuers.ts); a large issuer's BIN raises confidence. */
function cardDetection(out: Detection[], digits: string, start: number, end: number): void {
  const known = KNOWN_BINS.some((bin) => digits.startsWith(bin));
  push(out, 'BANK_CARD', start, end, known ? 0.99 : 0.9, known ? E_BIN : E_CHECKSUM);
}

/**
 * A Luhn-passing digit run in text. Evidence against: a business-number label before it (订单号,
 * 流水号, 合同编号, Order No. …). Outside every card IIN range it needs a card label (卡号, card).
 */
function cardInText(out: Detection[], text: string, digits: string, start: number, end: number): void {
  if (!isBankCardNumber(digits) || hasBusinessLabel(text, start)) return;
  if (cardSchemeOf(digits) !== undefined) cardDetection(out, digits, start, end);
  else if (hasCardLabel(text, start)) push(out, 'BANK_CARD', start, end, 0.7, E_CHECKSUM_CONTEXT);
}

const HAN_CHAR = /[\u4e00-\u9fa5]/;
/**
 * Stop words that end a name taken after a context word (姓名张三丰，性别 → 张三丰). 年, 月 and 日
 * are common in given names (秋月, 晓日): they stop a name only as part of a date or income word.
 */
const NAME_STOP = /[的在于是和与及为被向从等性身电手住地男女先处已将]|年[龄满收]|月[收供薪还]|日[期起]/u;
/**
 * Characters that do not start a personal name but do follow role words: pronouns, numerals,
 * function words and the verbs of legal and loan documents (申请人声明…, 被告辩称…, 借款人应…).
 */
const NON_NAME_START = new Set(
  '我你他她它们本该此其各每某一二三四五两几多全请已未应须需可均对向就以把自因由如若同确承签信名称声所之而并或且则即都也还又再按根据有无不没共总姓性身电手住地男女年月日的在于是和与及为被从等将处辩称诉述认表代人员方'.split(
    '',
  ),
);
/** Function words that never sit inside a personal name. */
const FUNCTION_WORD =
  /[我你他她它们该此其各每某请应须需可均对向就以把自因由如若并或且则即都也还又再按据有无不没共总的在于是与及为被从等将处辩称诉述认]/;
/** Leading function words before a name read backwards from 先生/女士 (请缑女士 → 缑). */
const NON_NAME_LEAD = /^[请由向与和及给对致让叫]+/;

/**
 * A name after a context word (借款人缑芳，…). A surname from the dictionary suffices; without one
 * the context word must name a role (not 客户) and the name must be a whole run of two or three
 * characters that starts like a name.
 */
function nameAfterContext(out: Detection[], text: string, whole: string, raw: string, end: number): void {
  const valueStart = end - raw.length;
  const cut = raw.search(NAME_STOP);
  // A stop character first may itself be a surname (于红的…): the dictionary decides then, and
  // the name ends at the next stop character.
  const rest = cut === 0 ? raw.slice(1).search(NAME_STOP) : -1;
  const name = cut > 0 ? raw.slice(0, cut) : rest >= 0 ? raw.slice(0, rest + 1) : raw;
  if (name.length < 2) return;
  if (SURNAMES.has(name[0]!) || COMPOUND_SURNAMES.some((s) => name.startsWith(s))) {
    // Surnames that are also function words (应, 向, 于…) start many non-names: 借款人应按期还款.
    if (FUNCTION_WORD.test(name[0]!) && FUNCTION_WORD.test(name.slice(1))) return;
    push(out, 'PERSON_NAME', valueStart, valueStart + name.length, 0.9, E_CONTEXT_DICTIONARY);
    return;
  }
  if (cut === 0) return;
  const label = whole.slice(0, whole.length - raw.length).replace(/[\s:：]+$/, '');
  const next = text.slice(end, end + 2);
  const isWholeRun = cut > 0 || !HAN_CHAR.test(next[0] ?? '') || next.search(NAME_STOP) === 0;
  if (!ROLE_CONTEXT.has(label) || !isWholeRun || NON_NAME_START.has(name[0]!)) return;
  // Four characters (a compound surname and two given ones) only with no function word inside:
  // 借款人申请贷款 is not a name.
  if (name.length === 4 && FUNCTION_WORD.test(name)) return;
  push(out, 'PERSON_NAME', valueStart, valueStart + name.length, 0.75, E_CONTEXT);
}

function lastSurnameStart(value: string): number {
  // 王先生 → 王; 李娜女士 → 李娜: the name is the trailing 1–3 characters starting at a surname.
  for (let i = Math.max(0, value.length - 3); i < value.length; i++) {
    if (SURNAMES.has(value[i]!)) return i;
  }
  return -1;
}

// Where candidates overlap: the more confident wins; at equal confidence, the type listed first.
const PRIORITY: EntityType[] = [
  'CARD_TRACK',
  'PASSWORD',
  'PIN',
  'CVV',
  'CN_RESIDENT_ID',
  'CN_USCC',
  'BANK_CARD',
];

function better(a: Detection, b: Detection): boolean {
  if (a.confidence !== b.confidence) return a.confidence > b.confidence;
  const pa = PRIORITY.indexOf(a.type);
  const pb = PRIORITY.indexOf(b.type);
  if (pa !== pb) return pa >= 0 && (pb < 0 || pa < pb);
  return a.end - a.start > b.end - b.start;
}

function resolveOverlaps(detections: Detection[]): Detection[] {
  if (detections.length < 2) return detections;
  detections.sort((a, b) => a.start - b.start || b.end - b.start - (a.end - a.start));
  const out: Detection[] = [];
  for (const d of detections) {
    const last = out[out.length - 1];
    if (last && d.start < last.end) {
      if (better(d, last)) out[out.length - 1] = d;
      continue;
    }
    out.push(d);
  }
  return out;
}

/** What a single field value is, judged whole (structured data). */
export function detectValue(raw: unknown): Detection[] {
  if (raw === null || raw === undefined) return [];
  const value = typeof raw === 'string' ? raw.trim() : typeof raw === 'number' ? String(raw) : '';
  if (value.length === 0 || value.length > 4096) return [];
  const end = value.length;
  const compact = value.replace(/[\s-]/g, '');
  if (/^\d{17}[\dXx]$/.test(compact) && isResidentId18(compact)) {
    return [{ type: 'CN_RESIDENT_ID', start: 0, end, confidence: 0.99, evidence: E_CHECKSUM }];
  }
  if (/^\d{15}$/.test(compact) && isResidentId15(compact)) {
    return [{ type: 'CN_RESIDENT_ID', start: 0, end, confidence: 0.8, evidence: E_FORMAT }];
  }
  if (compact.length === 18 && isUscc(compact.toUpperCase())) {
    return [{ type: 'CN_USCC', start: 0, end, confidence: 0.99, evidence: E_CHECKSUM }];
  }
  if (/^(?:(?:\+|00)86)?1[3-9]\d{9}$/.test(compact)) {
    return [{ type: 'CN_MOBILE', start: 0, end, confidence: 0.95, evidence: E_FORMAT }];
  }
  // A value alone has no label: outside every card IIN range it is not taken for a card.
  if (isBankCardNumber(compact) && cardSchemeOf(compact) !== undefined) {
    const known = KNOWN_BINS.some((bin) => compact.startsWith(bin));
    return [
      {
        type: 'BANK_CARD',
        start: 0,
        end,
        confidence: known ? 0.99 : 0.9,
        evidence: known ? E_BIN : E_CHECKSUM,
      },
    ];
  }
  if (/^[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,12}$/.test(value)) {
    return [{ type: 'EMAIL', start: 0, end, confidence: 0.98, evidence: E_FORMAT }];
  }
  if (/^(?:\(0\d{2,3}\)|0\d{2,3}[- ]?)\d{7,8}(?:-\d{1,6})?$/.test(value)) {
    return [{ type: 'CN_LANDLINE', start: 0, end, confidence: 0.85, evidence: E_FORMAT }];
  }
  if (/^(?:[EG]\d{8}|E[A-HJ-NP-Z]\d{7})$/.test(value)) {
    return [{ type: 'CN_PASSPORT', start: 0, end, confidence: 0.85, evidence: E_FORMAT }];
  }
  if (/^(?:[HM]\d{8}(?:\d{2})?|C[A-Z0-9]\d{7})$/.test(value)) {
    return [{ type: 'HK_MACAU_PERMIT', start: 0, end, confidence: 0.7, evidence: E_FORMAT }];
  }
  if (new RegExp(`^[${PLATE_PROVINCES}][A-HJ-NP-Z][A-HJ-NP-Z0-9]{5,6}$`, 'u').test(value)) {
    return [{ type: 'CN_LICENSE_PLATE', start: 0, end, confidence: 0.9, evidence: E_FORMAT }];
  }
  if (/^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/.test(value)) {
    return [{ type: 'IP_ADDRESS', start: 0, end, confidence: 0.95, evidence: E_FORMAT }];
  }
  if (/^[\u4e00-\u9fa5]{2,4}$/.test(value) && SURNAMES.has(value[0]!)) {
    return [{ type: 'PERSON_NAME', start: 0, end, confidence: 0.6, evidence: E_DICTIONARY }];
  }
  // Longer values (notes, addresses, free text): scan them.
  return value.length >= 6 ? scanText(value) : [];
}

export function factsOf(type: EntityType) {
  return ENTITY_FACTS[type];
}
