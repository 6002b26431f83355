// Issuer identification number (IIN) ranges of the card schemes whose cards are issued or widely
// held in China (ISO/IEC 7812: the leading digits name the scheme). One random digit string in ten
// passes Luhn; a Luhn-passing number outside every range below is not taken for a card without a
// card context word. Ranges are the schemes' public ones; see docs/classification.md for why each
// is in or out.

export type CardScheme = 'unionpay' | 'visa' | 'mastercard' | 'jcb' | 'discover';

interface IinRange {
  scheme: CardScheme;
  /** Inclusive bounds over the first `low.length` digits. */
  low: string;
  high: string;
  lengths: readonly number[];
}

const SIXTEEN_TO_NINETEEN = [16, 17, 18, 19];

const RANGES: readonly IinRange[] = [
  // China UnionPay: 62 (ISO-registered, and the 622126–622925 co-branded Discover range within it).
  { scheme: 'unionpay', low: '62', high: '62', lengths: SIXTEEN_TO_NINETEEN },
  // UnionPay-branded cards of Chinese banks on BINs the banks registered themselves (601382, …).
  { scheme: 'unionpay', low: '60', high: '60', lengths: SIXTEEN_TO_NINETEEN },
  // UnionPay's second range, 8100–8171.
  { scheme: 'unionpay', low: '8100', high: '8171', lengths: SIXTEEN_TO_NINETEEN },
  { scheme: 'visa', low: '4', high: '4', lengths: [16, 19] },
  { scheme: 'mastercard', low: '51', high: '55', lengths: [16] },
  { scheme: 'mastercard', low: '2221', high: '2720', lengths: [16] },
  { scheme: 'jcb', low: '3528', high: '3589', lengths: SIXTEEN_TO_NINETEEN },
  { scheme: 'discover', low: '644', high: '649', lengths: SIXTEEN_TO_NINETEEN },
  { scheme: 'discover', low: '65', high: '65', lengths: SIXTEEN_TO_NINETEEN },
];

/** The scheme whose IIN range and length `digits` fits, if any (digits only, no separators). */
export function cardSchemeOf(digits: string): CardScheme | undefined {
  for (const range of RANGES) {
    const head = digits.slice(0, range.low.length);
    if (head >= range.low && head <= range.high && range.lengths.includes(digits.length)) return range.scheme;
  }
  return undefined;
}
