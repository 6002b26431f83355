// Deadlines in working days (Monday to Friday, minus declared holidays) in a time zone: a data-subject
// request is answered within N working days of its receipt (PIPL Art. 50 asks for "timely"; the
// workspace fixes the number, 15 by default). The day of receipt does not count; the deadline is the
// end of the Nth working day after it, local time.

/** Calendar date (year, month 1–12, day) of an instant in a time zone. */
function localDate(at: Date, timeZone: string): { year: number; month: number; day: number } {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: get('year'), month: get('month'), day: get('day') };
}

/** The zone's offset from UTC at an instant, in milliseconds (east positive). */
function offsetMs(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/** `YYYY-MM-DD` of a UTC-midnight date value. */
function isoDay(utcMidnight: number): string {
  return new Date(utcMidnight).toISOString().slice(0, 10);
}

/**
 * The end (last millisecond, local time) of the `days`th working day after the day `receivedAt` falls
 * on in `timeZone`. Saturdays, Sundays and `holidays` (`YYYY-MM-DD`) are not working days.
 */
export function workingDaysDeadline(
  receivedAt: Date,
  days: number,
  timeZone: string,
  holidays: readonly string[] = [],
): Date {
  if (!Number.isInteger(days) || days < 1) throw new RangeError('days must be a whole number ≥ 1');
  const off = new Set(holidays);
  const { year, month, day } = localDate(receivedAt, timeZone);
  let cursor = Date.UTC(year, month - 1, day);
  let counted = 0;
  while (counted < days) {
    cursor += 86_400_000;
    const weekday = new Date(cursor).getUTCDay();
    if (weekday !== 0 && weekday !== 6 && !off.has(isoDay(cursor))) counted += 1;
  }
  // Local midnight after that day, then one millisecond back; the offset is the one in force then.
  const nextLocalMidnight = cursor + 86_400_000;
  const guess = nextLocalMidnight - offsetMs(new Date(nextLocalMidnight), timeZone);
  const exact = nextLocalMidnight - offsetMs(new Date(guess), timeZone);
  return new Date(exact - 1);
}

/** Whether an open item with this deadline is overdue at `now`. */
export function isPastDeadline(deadline: string, now: Date): boolean {
  return now.getTime() > Date.parse(deadline);
}
