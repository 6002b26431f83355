// Date and time values from partner databases as text, never through JavaScript `Date`: node-pg
// would read a `timestamp without time zone` (and a `date`) as local time of this process, so
// the same row meant different instants under TZ=Asia/Shanghai and TZ=UTC, and a cursor saved as
// a UTC ISO string then pointed hours away from the row it came from (rows skipped or read
// forever). `Date` also drops microseconds, which made a cursor fall behind its own row.

import pg from 'pg';

const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;
const DATE = 1082;

/**
 * pg type parsers for one pool: `timestamp` and `date` stay the database's text; `timestamptz`
 * (the session runs in UTC) becomes ISO 8601 with `Z`, exact to the microsecond. Every other type
 * keeps pg's usual parser.
 */
export const postgresTemporalTypes = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') => {
    if (oid === TIMESTAMP || oid === DATE) return (text: string) => text;
    if (oid === TIMESTAMPTZ) return isoTimestamptz;
    return pg.types.getTypeParser(oid, format ?? 'text');
  },
} as pg.CustomTypesConfig;

/** `2026-03-01 08:00:00.123456+00` → `2026-03-01T08:00:00.123456Z`; other offsets keep theirs. */
export function isoTimestamptz(text: string): string {
  const match = /^(\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)([+-]\d\d)(?::(\d\d))?$/.exec(text);
  if (!match) return text; // infinity, BC dates, second-level historic offsets: as the database wrote them
  const [, day, time, hours, minutes] = match;
  const offset = hours === '+00' && (minutes ?? '00') === '00' ? 'Z' : `${hours}:${minutes ?? '00'}`;
  return `${day}T${time}${offset}`;
}
