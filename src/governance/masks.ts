// Masks of the read path (docs/access.md): Apache Ranger's kinds plus Chinese presets. Pure; the
// `hash` mask takes its keyed pseudonym from the caller (a Pseudonymiser), so this file holds no key.
//
// JR/T 0171-2020 states one display rule explicitly (bank card: first six and last four digits);
// the other presets are Custos's defaults, configurable per policy and per entity type.

import { COMPOUND_SURNAMES } from '../classify/index.js';
import type { EntityType } from '../domain/index.js';
import type { MaskKind } from '../workspace/index.js';

/** Stable keyed pseudonym of a value (see pseudonym.ts); only the `hash` mask calls it. */
export type PseudonymOf = (value: string) => string;

const HIDDEN = '*';

/** Ranger's MASK: upper-case letters → X, other letters → x, digits → 0; anything else kept. */
export function maskCharacters(text: string): string {
  let out = '';
  for (const char of text) {
    if (/\p{Lu}/u.test(char)) out += 'X';
    else if (/\p{L}/u.test(char)) out += 'x';
    else if (/\p{N}/u.test(char)) out += '0';
    else out += char;
  }
  return out;
}

/** Keeps `first` leading and `last` trailing characters, hiding the rest; too short → all hidden. */
export function keepEnds(text: string, first: number, last: number, hide: (s: string) => string): string {
  const chars = [...text];
  if (chars.length <= first + last) return hide(text);
  return (
    chars.slice(0, first).join('') +
    hide(chars.slice(first, chars.length - last).join('')) +
    chars.slice(chars.length - last).join('')
  );
}

const stars = (text: string): string => HIDDEN.repeat([...text].length);

/** Chinese names keep the surname (compound surnames whole); Latin names keep each initial. */
export function maskName(text: string): string {
  const trimmed = text.trim();
  if (/[\u3400-\u9fff]/u.test(trimmed)) {
    const chars = [...trimmed];
    const compound = COMPOUND_SURNAMES.some((s) => trimmed.startsWith(s)) && chars.length > 2;
    const keep = compound ? 2 : 1;
    return chars.slice(0, keep).join('') + HIDDEN.repeat(Math.max(1, chars.length - keep));
  }
  return trimmed
    .split(/(\s+)/)
    .map((part) =>
      /^\s+$/.test(part) || part === '' ? part : [...part][0] + stars([...part].slice(1).join('')),
    )
    .join('');
}

/**
 * An address down to its district (区/县/旗, else the city or province): `北京市朝阳区建国路88号`
 * → `北京市朝阳区****`. The hidden part is a fixed `****`, so its length tells nothing.
 */
export function maskAddress(text: string): string {
  const trimmed = text.trim();
  const district = /^.*?(?:区|县|旗)/u.exec(trimmed);
  const city = /^.*(?:市|州|盟)/u.exec(trimmed);
  const province = /^.*?(?:省|自治区)/u.exec(trimmed);
  const kept = district?.[0] ?? city?.[0] ?? province?.[0];
  if (kept === undefined || kept.length === trimmed.length) return kept === undefined ? '****' : `${kept}`;
  return `${kept}****`;
}

/** Applies one mask to one value. `null` and absent values stay null; `none` returns the value. */
export function applyMask(kind: MaskKind, value: unknown, pseudonymOf: PseudonymOf): unknown {
  if (value === null || value === undefined) return null;
  if (kind === 'none') return value;
  if (kind === 'null') return null;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  switch (kind) {
    case 'mask':
      return maskCharacters(text);
    case 'show_last_4':
      return keepEnds(text, 0, 4, maskCharacters);
    case 'show_first_4':
      return keepEnds(text, 4, 0, maskCharacters);
    case 'hash':
      return pseudonymOf(text);
    case 'date_show_year': {
      const year = /^(\d{4})(?:[-/.年]|$)/u.exec(text.trim());
      return year ? year[1]! : null;
    }
    case 'resident_id':
      // GB 11643: 6-digit region, 8-digit birth date, sequence, check digit — the birth date is hidden.
      return keepEnds(text, 3, 4, stars);
    case 'mobile':
      return keepEnds(text, 3, 4, stars);
    case 'bank_card':
      // JR/T 0171-2020: card numbers shown with the first six and last four digits only.
      return keepEnds(text, 6, 4, stars);
    case 'name':
      return maskName(text);
    case 'address':
      return maskAddress(text);
    case 'uscc':
      // GB 32100: registering authority, type and region (8 characters) stay; the organisation code goes.
      return keepEnds(text, 8, 0, stars);
  }
}

/** The preset that fits an entity type, for a field above the reader's clearance. */
export const ENTITY_MASKS: Partial<Record<EntityType, MaskKind>> = {
  CN_RESIDENT_ID: 'resident_id',
  CN_MOBILE: 'mobile',
  CN_LANDLINE: 'show_last_4',
  BANK_CARD: 'bank_card',
  CN_BANK_ACCOUNT: 'bank_card',
  PERSON_NAME: 'name',
  ADDRESS: 'address',
  CN_USCC: 'uscc',
  DATE_OF_BIRTH: 'date_show_year',
  EMAIL: 'mask',
  CN_PASSPORT: 'show_last_4',
  HK_MACAU_PERMIT: 'show_last_4',
  AMOUNT: 'null',
  PASSWORD: 'null',
  PIN: 'null',
  CVV: 'null',
  CARD_TRACK: 'null',
};

/** Masks that never need the clear value: `null` always, `hash` when the field has a blind index. */
export function needsClearValue(kind: MaskKind, hasIndex: boolean): boolean {
  if (kind === 'null') return false;
  if (kind === 'hash') return !hasIndex;
  return true;
}
