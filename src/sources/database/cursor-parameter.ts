// Typed parameters for keyset positions: a saved cursor or key value goes back to the partner
// database as text cast to its column's own type, so the database — never JavaScript `Date` or the
// process time zone — decides what the value means. Column types come from the partner's catalogue
// (untrusted): only the names listed here become SQL; any other type is left to the database's
// inference from the column it is compared with.

export type DatabaseDialect = 'postgres' | 'mysql' | 'sqlite';

/** What a cursor column holds, for `lookback`: date/time values, integers, or anything else. */
export type CursorKind = 'temporal' | 'integer' | 'other';

const POSTGRES_CASTS: Record<string, string> = {
  smallint: 'smallint',
  integer: 'integer',
  bigint: 'bigint',
  numeric: 'numeric',
  text: 'text',
  'character varying': 'varchar',
  uuid: 'uuid',
  date: 'date',
  'timestamp without time zone': 'timestamp without time zone',
  'timestamp with time zone': 'timestamp with time zone',
};

const MYSQL_CASTS: Record<string, string> = {
  date: 'DATE',
  datetime: 'DATETIME(6)',
  // Compared in the session time zone, which the connector sets to UTC.
  timestamp: 'DATETIME(6)',
  // Exact for every integer width, signed or not (a string compared with an integer column would
  // be compared as a double, losing precision above 2^53).
  tinyint: 'DECIMAL(65,0)',
  smallint: 'DECIMAL(65,0)',
  mediumint: 'DECIMAL(65,0)',
  int: 'DECIMAL(65,0)',
  integer: 'DECIMAL(65,0)',
  bigint: 'DECIMAL(65,0)',
};

/** `placeholder` wrapped in a cast to the column's type where that type is known. */
export function typedParameter(dialect: DatabaseDialect, columnType: string, placeholder: string): string {
  const type = columnType.toLowerCase();
  const cast =
    dialect === 'postgres' ? POSTGRES_CASTS[type] : dialect === 'mysql' ? MYSQL_CASTS[type] : undefined;
  return cast ? `CAST(${placeholder} AS ${cast})` : placeholder;
}

export function cursorKind(columnType: string): CursorKind {
  const type = columnType.toLowerCase();
  if (/date|time/.test(type)) return 'temporal';
  if (/int|serial/.test(type)) return 'integer';
  return 'other';
}
