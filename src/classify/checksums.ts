// Check algorithms of Chinese identifiers (see ../shared/reference/identifiers.md): GB 11643
// resident ID (mod 11), GB 32100 unified social credit code (mod 31, with the GB 11714
// organisation-code check inside), and Luhn for bank cards. Pure.

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/** Province-level codes of GB/T 2260 (first two digits of a region code), plus 71/81/82/83. */
const PROVINCES = new Set([
  11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61,
  62, 63, 64, 65, 71, 81, 82, 83,
]);

export function idCardCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * ID_WEIGHTS[i]!;
  return ID_CHECK[sum % 11]!;
}

function validRegion(code: string): boolean {
  if (!PROVINCES.has(Number(code.slice(0, 2)))) return false;
  // City and county parts are never 00 together with a non-00 county in valid codes of people.
  return code.slice(2, 4) !== '00' || code.slice(4, 6) === '00';
}

function validDate(year: number, month: number, day: number, now = new Date()): boolean {
  if (year < 1900 || month < 1 || month > 12 || day < 1) return false;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return false;
  return date.getTime() <= now.getTime();
}

/** 18-character resident ID: digits, region, real birth date, mod-11 check character. */
export function isResidentId18(value: string): boolean {
  if (!/^\d{17}[\dX]$/i.test(value)) return false;
  if (!validRegion(value.slice(0, 6))) return false;
  if (!validDate(Number(value.slice(6, 10)), Number(value.slice(10, 12)), Number(value.slice(12, 14))))
    return false;
  return idCardCheckChar(value.slice(0, 17)) === value[17]!.toUpperCase();
}

/** Legacy 15-digit resident ID (no check digit): region and a real 19YY birth date. */
export function isResidentId15(value: string): boolean {
  if (!/^\d{15}$/.test(value)) return false;
  if (!validRegion(value.slice(0, 6))) return false;
  return validDate(1900 + Number(value.slice(6, 8)), Number(value.slice(8, 10)), Number(value.slice(10, 12)));
}

export const USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

export function usccCheckChar(first17: string): string | undefined {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = USCC_CHARSET.indexOf(first17[i]!);
    if (value < 0) return undefined;
    sum += value * USCC_WEIGHTS[i]!;
  }
  return USCC_CHARSET[(31 - (sum % 31)) % 31];
}

export function orgCodeCheckChar(first8: string): string | undefined {
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const c = first8.charCodeAt(i);
    const value = c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 90 ? c - 55 : -1;
    if (value < 0) return undefined;
    sum += value * ORG_WEIGHTS[i]!;
  }
  const check = 11 - (sum % 11);
  return check === 10 ? 'X' : check === 11 ? '0' : String(check);
}

// GB 32100-2015 §4 positions 1–2: registration authority (1 机构编制 … 9 工商, A 中央军委改革和编制
// 办公室, N 农业, Y 其他) and an entity-type code under it, which is 1–5 or 9 for every authority.
const USCC_AUTHORITY = /^[1-9ANY][1-59]/;

/**
 * GB 32100 code: registration authority and entity type, a region code of a real province (or 10
 * for bodies registered nationally), the mod-31 check, and the embedded organisation code's own
 * check. A contract or order number built to pass both checks still fails the first two.
 */
export function isUscc(value: string): boolean {
  if (value.length !== 18) return false;
  const upper = value.toUpperCase();
  if (!USCC_AUTHORITY.test(upper)) return false;
  if (!/^\d{6}$/.test(upper.slice(2, 8))) return false;
  const province = Number(upper.slice(2, 4));
  if (!PROVINCES.has(province) && province !== 10) return false;
  if (usccCheckChar(upper.slice(0, 17)) !== upper[17]) return false;
  return orgCodeCheckChar(upper.slice(8, 16)) === upper[16];
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

export function luhnCheckDigit(payload: string): string {
  for (let d = 0; d <= 9; d++) if (luhnValid(`${payload}${d}`)) return String(d);
  return '0';
}

/** Well-known BIN prefixes of large Chinese issuers (raise confidence; all inside UnionPay's 62). */
export const KNOWN_BINS = [
  '622202',
  '621700',
  '622848',
  '621483',
  '622588',
  '625911',
  '622700',
  '621226',
  '623668',
];

export function isBankCardNumber(digits: string): boolean {
  return /^\d{16,19}$/.test(digits) && luhnValid(digits);
}
