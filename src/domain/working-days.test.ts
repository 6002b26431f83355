import { describe, expect, it } from 'vitest';
import { isPastDeadline, workingDaysDeadline } from './working-days.js';

const SH = 'Asia/Shanghai';

describe('workingDaysDeadline', () => {
  it('counts Monday to Friday only, from the day after receipt, to the end of the last day (local)', () => {
    // Monday 2026-03-02 10:00 in Shanghai: 15 working days → Monday 2026-03-23, 23:59:59.999 +08:00.
    const received = new Date('2026-03-02T02:00:00Z');
    expect(workingDaysDeadline(received, 15, SH).toISOString()).toBe('2026-03-23T15:59:59.999Z');
  });

  it('a request received on a Friday evening or at the weekend starts counting on Monday', () => {
    expect(workingDaysDeadline(new Date('2026-03-06T12:00:00Z'), 1, SH).toISOString()).toBe(
      '2026-03-09T15:59:59.999Z',
    );
    expect(workingDaysDeadline(new Date('2026-03-07T12:00:00Z'), 1, SH).toISOString()).toBe(
      '2026-03-09T15:59:59.999Z',
    );
  });

  it('uses the local date: 23:30 UTC on Sunday is already Monday in Shanghai', () => {
    // 2026-03-08T23:30Z = Monday 07:30 +08:00 → 1 working day later is Tuesday.
    expect(workingDaysDeadline(new Date('2026-03-08T23:30:00Z'), 1, SH).toISOString()).toBe(
      '2026-03-10T15:59:59.999Z',
    );
  });

  it('skips declared holidays', () => {
    const received = new Date('2026-09-30T02:00:00Z'); // Wednesday
    const holidays = ['2026-10-01', '2026-10-02', '2026-10-05', '2026-10-06', '2026-10-07'];
    // Thu 1 … Wed 7 are off (the weekend too): the first working day is Thursday 8 October.
    expect(workingDaysDeadline(received, 1, SH, holidays).toISOString()).toBe('2026-10-08T15:59:59.999Z');
  });

  it('follows daylight saving time in zones that have it', () => {
    // Europe/Berlin switches to +02:00 on 2026-03-29: the deadline is local midnight then.
    expect(workingDaysDeadline(new Date('2026-03-27T10:00:00Z'), 1, 'Europe/Berlin').toISOString()).toBe(
      '2026-03-30T21:59:59.999Z',
    );
  });

  it('refuses a number of days below one', () => {
    expect(() => workingDaysDeadline(new Date(), 0, SH)).toThrow(RangeError);
  });
});

describe('isPastDeadline', () => {
  it('is overdue only after the deadline', () => {
    expect(isPastDeadline('2026-03-23T15:59:59.999Z', new Date('2026-03-23T15:59:59.999Z'))).toBe(false);
    expect(isPastDeadline('2026-03-23T15:59:59.999Z', new Date('2026-03-23T16:00:00.000Z'))).toBe(true);
  });
});
