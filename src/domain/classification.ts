// Classification and grading vocabulary (JR/T 0171 categories, JR/T 0197 levels, PIPL sensitive PI).
// Pure: the detectors in src/classify and every consumer (pipeline, policy, masking) share it.

export const ENTITY_TYPES = [
  'CN_RESIDENT_ID',
  'CN_USCC',
  'BANK_CARD',
  'CN_BANK_ACCOUNT',
  'CN_MOBILE',
  'CN_LANDLINE',
  'EMAIL',
  'CN_PASSPORT',
  'HK_MACAU_PERMIT',
  'CN_LICENSE_PLATE',
  'IP_ADDRESS',
  'PERSON_NAME',
  'ADDRESS',
  'AMOUNT',
  'DATE_OF_BIRTH',
  'PASSWORD',
  'PIN',
  'CVV',
  'CARD_TRACK',
] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

/** JR/T 0171 category; `null` = not personal financial information (public / organisational). */
export type Category = 'C1' | 'C2' | 'C3';
export type Level = 1 | 2 | 3 | 4 | 5;

export interface EntityFacts {
  category: Category | null;
  /** PIPL Art. 28 sensitive personal information. */
  sensitive: boolean;
  /** Checksum-bearing: a value that fails the check is never reported as this type. */
  checksum: boolean;
}

export const ENTITY_FACTS: Record<EntityType, EntityFacts> = {
  CN_RESIDENT_ID: { category: 'C2', sensitive: true, checksum: true },
  CN_USCC: { category: null, sensitive: false, checksum: true },
  BANK_CARD: { category: 'C2', sensitive: true, checksum: true },
  CN_BANK_ACCOUNT: { category: 'C2', sensitive: true, checksum: false },
  CN_MOBILE: { category: 'C2', sensitive: false, checksum: false },
  CN_LANDLINE: { category: 'C2', sensitive: false, checksum: false },
  EMAIL: { category: 'C1', sensitive: false, checksum: false },
  CN_PASSPORT: { category: 'C2', sensitive: true, checksum: false },
  HK_MACAU_PERMIT: { category: 'C2', sensitive: true, checksum: false },
  CN_LICENSE_PLATE: { category: 'C2', sensitive: false, checksum: false },
  IP_ADDRESS: { category: 'C1', sensitive: false, checksum: false },
  PERSON_NAME: { category: 'C2', sensitive: false, checksum: false },
  ADDRESS: { category: 'C2', sensitive: false, checksum: false },
  AMOUNT: { category: 'C2', sensitive: false, checksum: false },
  DATE_OF_BIRTH: { category: 'C2', sensitive: false, checksum: false },
  PASSWORD: { category: 'C3', sensitive: true, checksum: false },
  PIN: { category: 'C3', sensitive: true, checksum: false },
  CVV: { category: 'C3', sensitive: true, checksum: false },
  CARD_TRACK: { category: 'C3', sensitive: true, checksum: false },
};

const CATEGORY_RANK: Record<Category, number> = { C1: 1, C2: 2, C3: 3 };

/** JR/T 0197 floor of a category: C3→4, C2→3, C1→2, not PI→1. */
export function levelFloor(category: Category | null): Level {
  if (category === null) return 1;
  return ({ C1: 2, C2: 3, C3: 4 } as const)[category];
}

/** The higher of two categories (null counts as lowest). */
export function maxCategory(a: Category | null, b: Category | null): Category | null {
  if (a === null) return b;
  if (b === null) return a;
  return CATEGORY_RANK[a] >= CATEGORY_RANK[b] ? a : b;
}

/** A workspace may raise a level, never lower it below the category's floor. */
export function effectiveLevel(category: Category | null, declared?: number): Level {
  const floor = levelFloor(category);
  if (declared === undefined) return floor;
  return Math.max(floor, Math.min(5, Math.max(1, Math.trunc(declared)))) as Level;
}

/** Workspace field declaration `category: public` means "not personal information". */
export function categoryFromDeclaration(
  declared: 'C1' | 'C2' | 'C3' | 'public' | undefined,
): Category | null | undefined {
  if (declared === undefined) return undefined;
  return declared === 'public' ? null : declared;
}
