// Validity windows of access policies: local date-times in an IANA time zone, compared with an
// instant. Pure; the offset comes from Intl, so daylight-saving zones are right on both sides.

import type { Validity } from '../workspace/index.js';

/** Offset of `zone` from UTC at the instant `utcMs`, in milliseconds. */
function zoneOffset(utcMs: number, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(utcMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

/** The instant a local date-time (`YYYY-MM-DD[THH:MM[:SS]]`) denotes in `zone`. */
export function zonedInstant(local: string, zone: string): number {
  const [date, time = '00:00:00'] = local.split('T') as [string, string?];
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const [hh = 0, mm = 0, ss = 0] = time.split(':').map(Number);
  const naive = Date.UTC(y, m - 1, d, hh, mm, ss);
  // Two passes: the offset at the first guess may differ from the offset at the answer (DST edges).
  const first = naive - zoneOffset(naive, zone);
  return naive - zoneOffset(first, zone);
}

/** Whether `at` lies in [start, end) of the window (an omitted bound is open). */
export function isWithinValidity(validity: Validity, at: Date): boolean {
  const t = at.getTime();
  if (validity.start !== undefined && t < zonedInstant(validity.start, validity.timeZone)) return false;
  if (validity.end !== undefined && t >= zonedInstant(validity.end, validity.timeZone)) return false;
  return true;
}
