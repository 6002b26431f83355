// Masking operators for display. JR/T 0171 gives one rule explicitly (bank cards: first six and
// last four digits shown); the other defaults below are Custos's, configurable per policy.

import { createHmac } from 'node:crypto';
import type { EntityType } from '../domain/classification.js';

export type MaskOperator =
  | { kind: 'mask'; char?: string }
  | { kind: 'partial'; keepFirst: number; keepLast: number; char?: string }
  | { kind: 'hash'; key: Buffer | string; length?: number }
  | { kind: 'redact'; text?: string }
  | { kind: 'generalise' }
  | { kind: 'none' };

export function mask(value: unknown, operator: MaskOperator): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const chars = [...text];
  switch (operator.kind) {
    case 'none':
      return text;
    case 'mask':
      return (operator.char ?? '*').repeat(chars.length);
    case 'partial': {
      const first = Math.max(0, operator.keepFirst);
      const last = Math.max(0, operator.keepLast);
      if (first + last >= chars.length) {
        // Too short to show anything safely: keep at most the first character.
        return chars.length <= 1 ? '*' : `${chars[0]}${(operator.char ?? '*').repeat(chars.length - 1)}`;
      }
      return `${chars.slice(0, first).join('')}${(operator.char ?? '*').repeat(chars.length - first - last)}${last > 0 ? chars.slice(-last).join('') : ''}`;
    }
    case 'hash':
      return createHmac('sha256', operator.key)
        .update(text, 'utf8')
        .digest('hex')
        .slice(0, operator.length ?? 16);
    case 'redact':
      return operator.text ?? '[REDACTED]';
    case 'generalise':
      return generalise(text);
  }
}

/** Date → year, address → city, amount → order of magnitude; anything else → masked. */
export function generalise(text: string): string {
  const date = /^((?:19|20)\d{2})[-/.年]/.exec(text);
  if (date) return `${date[1]}`;
  const city = /^(.*?(?:省|自治区)?.*?(?:市|州|盟))/u.exec(text);
  if (city && /[\u4e00-\u9fa5]/.test(text)) return `${city[1]}***`;
  const number = Number(text.replace(/[,\s¥￥元]/g, ''));
  if (Number.isFinite(number) && text.trim() !== '') {
    const magnitude = 10 ** Math.max(0, Math.floor(Math.log10(Math.abs(number) || 1)));
    const low = Math.floor(Math.abs(number) / magnitude) * magnitude;
    return `${number < 0 ? '-' : ''}${low}–${low + magnitude}`;
  }
  return '*'.repeat([...text].length);
}

/** Display default per entity type. */
export function defaultMaskFor(type: EntityType): MaskOperator {
  switch (type) {
    case 'BANK_CARD':
      return { kind: 'partial', keepFirst: 6, keepLast: 4 };
    case 'CN_BANK_ACCOUNT':
      return { kind: 'partial', keepFirst: 4, keepLast: 4 };
    case 'CN_RESIDENT_ID':
      return { kind: 'partial', keepFirst: 3, keepLast: 4 };
    case 'CN_MOBILE':
      return { kind: 'partial', keepFirst: 3, keepLast: 4 };
    case 'CN_LANDLINE':
      return { kind: 'partial', keepFirst: 4, keepLast: 2 };
    case 'EMAIL':
      return { kind: 'partial', keepFirst: 1, keepLast: 0 };
    case 'PERSON_NAME':
      return { kind: 'partial', keepFirst: 1, keepLast: 0 };
    case 'ADDRESS':
    case 'DATE_OF_BIRTH':
    case 'AMOUNT':
      return { kind: 'generalise' };
    case 'CN_PASSPORT':
    case 'HK_MACAU_PERMIT':
    case 'CN_LICENSE_PLATE':
      return { kind: 'partial', keepFirst: 2, keepLast: 2 };
    case 'IP_ADDRESS':
      return { kind: 'partial', keepFirst: 4, keepLast: 0 };
    case 'CN_USCC':
      return { kind: 'none' };
    case 'PASSWORD':
    case 'PIN':
    case 'CVV':
    case 'CARD_TRACK':
      return { kind: 'redact' };
  }
}

/** An e-mail keeps its domain: z***@example.com. */
export function maskValue(type: EntityType, value: string): string {
  if (type === 'EMAIL') {
    const at = value.lastIndexOf('@');
    if (at > 0)
      return `${mask(value.slice(0, at), { kind: 'partial', keepFirst: 1, keepLast: 0 })}${value.slice(at)}`;
  }
  return mask(value, defaultMaskFor(type));
}

/** Masks every detected span of a text (for showing documents and crawled pages). */
export function maskText(
  text: string,
  detections: ReadonlyArray<{ type: EntityType; start: number; end: number }>,
): string {
  let out = '';
  let at = 0;
  for (const d of [...detections].sort((a, b) => a.start - b.start)) {
    if (d.start < at) continue;
    out += text.slice(at, d.start) + maskValue(d.type, text.slice(d.start, d.end));
    at = d.end;
  }
  return out + text.slice(at);
}
