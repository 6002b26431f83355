// `lookback` for incremental database streams: each run starts a window of cursor values before
// the saved position, so a row committed after an earlier run passed its cursor value (a
// transaction that set `updated_at` before it committed, a writer whose clock is behind) is still
// read. Re-read rows are harmless: datasets upsert by natural key and count them unchanged.

import { z } from 'zod';
import { parseDuration } from '../../domain/index.js';
import { type CursorKind, type DatabaseDialect, typedParameter } from './cursor-parameter.js';

/** A duration (`30s`, `10m`, `2h`, `1d`) for date/time cursors; a count of values for integer ones. */
export const lookbackSetting = z.union([
  z.number().int().positive(),
  z.string().refine((s) => parseDuration(s) !== undefined, 'must be a duration such as 10m, 2h or 1d'),
]);
export type Lookback = z.infer<typeof lookbackSetting>;

/**
 * The lower bound of a run's first read, as SQL over parameters numbered from `first`: the saved
 * cursor value less the lookback, computed by the database in the column's own type. Undefined
 * with a reason when the lookback does not fit the cursor's kind.
 */
export function lookbackBound(options: {
  dialect: DatabaseDialect;
  columnType: string;
  kind: CursorKind;
  cursor: unknown;
  lookback: Lookback;
  placeholder: (index: number) => string;
  first: number;
}): { sql: string; params: unknown[] } | { problem: string } {
  const { dialect, columnType, kind, cursor, lookback, placeholder, first } = options;
  if (kind === 'integer') {
    if (typeof lookback !== 'number') return { problem: 'an integer cursor takes a number as lookback' };
    // Exact for big integers (bigint columns arrive as strings).
    if (typeof cursor !== 'number' && typeof cursor !== 'string')
      return { problem: 'the saved cursor is not an integer' };
    let low: bigint;
    try {
      low = BigInt(cursor) - BigInt(lookback);
    } catch {
      // BigInt throws on anything but an integer; the reason is given instead.
      return { problem: 'the saved cursor is not an integer' };
    }
    return { sql: typedParameter(dialect, columnType, placeholder(first)), params: [low.toString()] };
  }
  if (kind === 'temporal') {
    if (typeof lookback !== 'string')
      return { problem: 'a date/time cursor takes a duration as lookback (10m, 2h, 1d)' };
    const seconds = Math.floor(parseDuration(lookback)! / 1000);
    const value = typedParameter(dialect, columnType, placeholder(first));
    if (dialect === 'postgres')
      return {
        sql: `${value} - CAST(${placeholder(first + 1)} AS interval)`,
        params: [cursor, `${seconds} seconds`],
      };
    if (dialect === 'mysql')
      return { sql: `${value} - INTERVAL ${placeholder(first + 1)} SECOND`, params: [cursor, seconds] };
    // SQLite keeps dates as text and datetime() answers in UTC ('YYYY-MM-DD HH:MM:SS'), or NULL for
    // text it cannot read. The bound is never after the saved value: a value written with a negative
    // offset can shift past it (its window is then empty, as without lookback), and an unreadable one
    // must not become NULL — `col >= NULL` would read nothing, run after run.
    return {
      sql: `MIN(COALESCE(datetime(${placeholder(first)}, ${placeholder(first + 1)}), ${placeholder(first + 2)}), ${placeholder(first + 3)})`,
      params: [cursor, `-${seconds} seconds`, cursor, cursor],
    };
  }
  return { problem: 'lookback needs a date/time or integer cursor' };
}
