// `timeZone` for database sources: what instant a zone-less date-time (PostgreSQL `timestamp`
// without time zone, MySQL/MariaDB `DATETIME`) means. The partner writes local wall-clock times;
// Custos stores them with the zone's UTC offset at that moment (`2026-03-01T08:00:00+08:00`), so a
// `datetime` field reads the right instant. Positions (cursor values) stay the database's own text
// and are compared by the database, where the wall-clock order is the column's order.

import { z } from 'zod';

/** True for an IANA zone name the runtime knows (`Asia/Shanghai`, `UTC`). */
export function isTimeZone(name: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    // RangeError: not a zone the runtime's time zone database knows.
    return false;
  }
}

export const timeZoneSetting = z
  .string()
  .refine(isTimeZone, 'must be an IANA time zone name such as Asia/Shanghai or UTC');

/** Column types whose values carry no zone. */
export function isZoneless(dialect: string, columnType: string): boolean {
  const type = columnType.toLowerCase();
  return dialect === 'postgres'
    ? type === 'timestamp without time zone'
    : dialect === 'mysql' && type === 'datetime';
}

const WALL_CLOCK = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(\.\d+)?$/;
const formats = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC at instant `utc` (ms since the epoch), in minutes. */
function offsetMinutes(zone: string, utc: number): number {
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(zone, format);
  }
  const part = (parts: Intl.DateTimeFormatPart[], type: string) =>
    Number(parts.find((p) => p.type === type)?.value);
  const parts = format.formatToParts(new Date(utc));
  const local = Date.UTC(
    part(parts, 'year'),
    part(parts, 'month') - 1,
    part(parts, 'day'),
    part(parts, 'hour'),
    part(parts, 'minute'),
    part(parts, 'second'),
  );
  return Math.round((local - Math.floor(utc / 1000) * 1000) / 60_000);
}

/**
 * `2026-03-01 08:00:00.123456` written in `zone` → `2026-03-01T08:00:00.123456+08:00` (digits kept
 * as written). A wall-clock time skipped by a daylight-saving change takes the offset before it;
 * one that happens twice, the earlier. Anything else (`infinity`, MySQL's zero date) is returned
 * as it is.
 */
export function withZone(text: string, zone: string): string {
  const match = WALL_CLOCK.exec(text);
  if (!match) return text;
  const [, y, mo, d, h, mi, s, fraction] = match;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(wall) || Number(mo) === 0 || Number(d) === 0) return text;
  // Daylight-saving changes are months apart: the offsets a day either side are the only ones
  // that can apply; the valid one (or the earlier instant of two) is taken.
  const day = 86_400_000;
  const around = [offsetMinutes(zone, wall - day), offsetMinutes(zone, wall + day)];
  const valid = around.filter((o) => offsetMinutes(zone, wall - o * 60_000) === o);
  const offset = valid.length > 0 ? Math.max(...valid) : around[0]!;
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${y}-${mo}-${d}T${h}:${mi}:${s}${fraction ?? ''}${sign}${hh}:${mm}`;
}

/** Rewrites a record's zone-less date-time columns in place; nothing to do for UTC. */
export function zoneRecord(
  record: Record<string, unknown>,
  columns: readonly string[],
  zone: string,
): Record<string, unknown> {
  if (zone === 'UTC' || columns.length === 0) return record;
  for (const column of columns) {
    const value = record[column];
    if (typeof value === 'string') record[column] = withZone(value, zone);
  }
  return record;
}
