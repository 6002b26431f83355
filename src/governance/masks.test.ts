import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MASK_KINDS } from '../workspace/index.js';
import { applyMask, maskAddress, maskCharacters, maskName } from './masks.js';
import { Pseudonymiser } from './pseudonym.js';

const pseudonymiser = new Pseudonymiser('sm', Buffer.alloc(32, 7));
const pseudonymOf = (value: string) => pseudonymiser.fromValue('text', value);
const length = (s: unknown) => [...String(s)].length;

describe('masks', () => {
  it('mask: letters become x/X and digits 0, length and other characters kept', () => {
    expect(maskCharacters('Ab-12 中')).toBe('Xx-00 x');
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        const out = maskCharacters(text);
        expect(length(out)).toBe(length(text));
        expect(out).not.toMatch(/[1-9a-wyzA-WYZ]/);
      }),
    );
  });

  it('show_last_4 and show_first_4 keep four characters and hide the rest', () => {
    expect(applyMask('show_last_4', '6222021234567890', pseudonymOf)).toBe('000000000000' + '7890');
    expect(applyMask('show_first_4', 'ABCD1234', pseudonymOf)).toBe('ABCD0000');
    fc.assert(
      fc.property(fc.string({ minLength: 5, maxLength: 40, unit: 'grapheme-ascii' }), (text) => {
        const last = String(applyMask('show_last_4', text, pseudonymOf));
        expect(last.slice(-4)).toBe(text.slice(-4));
        expect(last.length).toBe(text.length);
        expect(last.slice(0, -4)).toBe(maskCharacters(text.slice(0, -4)));
      }),
    );
  });

  it('bank_card shows the first six and last four digits only (JR/T 0171)', () => {
    expect(applyMask('bank_card', '6222021234567890123', pseudonymOf)).toBe('622202*********0123');
    fc.assert(
      fc.property(fc.stringMatching(/^\d{12,19}$/), (card) => {
        const out = String(applyMask('bank_card', card, pseudonymOf));
        expect(out.replace(/\*/g, '')).toBe(card.slice(0, 6) + card.slice(-4));
        expect(out.length).toBe(card.length);
      }),
    );
  });

  it('resident_id hides the birth date, mobile the middle four', () => {
    expect(applyMask('resident_id', '11010519491231002X', pseudonymOf)).toBe('110***********002X');
    expect(applyMask('mobile', '13812345678', pseudonymOf)).toBe('138****5678');
    fc.assert(
      fc.property(fc.stringMatching(/^\d{17}[\dX]$/), (id) => {
        const out = String(applyMask('resident_id', id, pseudonymOf));
        expect(out).not.toContain(id.slice(6, 14));
      }),
    );
  });

  it('name keeps the surname (compound ones whole), address stops at the district', () => {
    expect(maskName('张三丰')).toBe('张**');
    expect(maskName('欧阳娜娜')).toBe('欧阳**');
    expect(maskName('Zhang San')).toBe('Z**** S**');
    expect(maskAddress('北京市朝阳区建国路88号院3号楼')).toBe('北京市朝阳区****');
    expect(maskAddress('广东省深圳市南山区科技园')).toBe('广东省深圳市南山区****');
    expect(maskAddress('somewhere 12')).toBe('****');
    expect(applyMask('uscc', '91350100M000100Y43', pseudonymOf)).toBe('91350100**********');
  });

  it('date_show_year keeps the year; null and none do what they say', () => {
    expect(applyMask('date_show_year', '1990-05-17', pseudonymOf)).toBe('1990');
    expect(applyMask('date_show_year', 'yesterday', pseudonymOf)).toBeNull();
    expect(applyMask('null', 'x', pseudonymOf)).toBeNull();
    expect(applyMask('none', 42, pseudonymOf)).toBe(42);
  });

  it('hash is a stable keyed pseudonym: same value same result, another key another result', () => {
    const other = new Pseudonymiser('sm', Buffer.alloc(32, 8));
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (a, b) => {
        expect(applyMask('hash', a, pseudonymOf)).toBe(applyMask('hash', a, pseudonymOf));
        if (a !== b) expect(applyMask('hash', a, pseudonymOf)).not.toBe(applyMask('hash', b, pseudonymOf));
        expect(other.fromValue('text', a)).not.toBe(pseudonymOf(a));
      }),
    );
    // The same pseudonym from a stored blind index as from the clear value.
    expect(new Pseudonymiser('aes', Buffer.alloc(32, 1)).fromValue('id_card', '11010519491231002x')).toBe(
      new Pseudonymiser('aes', Buffer.alloc(32, 1)).fromValue('id_card', '11010519491231002X'),
    );
  });

  it('no mask but none ever returns a long identifier unchanged', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...MASK_KINDS.filter((k) => k !== 'none')),
        fc.stringMatching(/^\d{17}[\dX]$/),
        (kind, id) => {
          expect(applyMask(kind, id, pseudonymOf)).not.toBe(id);
        },
      ),
    );
  });

  it('null and absent values stay null under every mask', () => {
    for (const kind of MASK_KINDS) {
      expect(applyMask(kind, null, pseudonymOf)).toBeNull();
      expect(applyMask(kind, undefined, pseudonymOf)).toBeNull();
    }
  });
});
