// A simulated partner bank database for the demo: a SQLite file with an `accounts` table of
// synthetic customers (several rows share each timestamp). Created only when missing.

import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Synthetic } from '../../classify/index.js';

export function seedPartnerSqlite(file: string, count = 300, seed = 2): boolean {
  if (existsSync(file)) return false;
  mkdirSync(path.dirname(file), { recursive: true });
  const db = new SqliteDatabase(file);
  try {
    db.exec(`CREATE TABLE accounts (
      account_id TEXT PRIMARY KEY NOT NULL, id_no TEXT NOT NULL, card_no TEXT, balance REAL NOT NULL,
      opened_at TEXT NOT NULL, updated_at TEXT NOT NULL)`);
    const synthetic = new Synthetic(seed);
    const insert = db.prepare('INSERT INTO accounts VALUES (?, ?, ?, ?, ?, ?)');
    const start = Date.parse('2026-02-01T00:00:00Z');
    db.transaction(() => {
      for (let i = 0; i < count; i++) {
        insert.run(
          `A${String(i + 1).padStart(8, '0')}`,
          synthetic.residentId(),
          synthetic.bankCard(),
          synthetic.int(0, 50_000_000) / 100,
          `20${synthetic.int(10, 25)}-0${synthetic.int(1, 9)}-1${synthetic.int(0, 9)}`,
          new Date(start + Math.floor(i / 5) * 60_000).toISOString(),
        );
      }
    })();
  } finally {
    db.close();
  }
  return true;
}
