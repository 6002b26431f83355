// `custos backup` / `custos restore`: an encrypted copy made while the workspace is in use, that
// opens only with the master secret, restores into a fresh folder whose audit log verifies against
// its trust file and whose records and keys are there.

import { createCipheriv, randomBytes, scryptSync } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackup, restoreBackup } from '../../src/compliance/security/index.js';
import { openContext } from '../../src/context.js';
import { cli } from '../support/cli.js';
import { createPipelineWorkspace, MASTER_ENV, people, writePeople } from '../support/pipeline-workspace.js';
import { createTestWorkspace, type TestWorkspace } from '../support/workspace.js';

describe('backup and restore (SQLite)', () => {
  let ws: TestWorkspace;
  let out: string;
  const rows = people(20);
  beforeAll(async () => {
    ws = await createPipelineWorkspace('sqlite', { lawfulBasis: 'contract', requireConfirmation: false });
    writePeople(ws.dir, rows);
    // A declaration file of 2.5 MiB: the backup spans several sealed chunks.
    writeFileSync(
      path.join(ws.dir, 'large-notes.json'),
      JSON.stringify({ notes: 'n'.repeat(2.5 * 1024 * 1024) }),
    );
    const collected = await cli(['collect', 'people', '--json', '--workspace', ws.dir], { env: MASTER_ENV });
    expect(collected.code, collected.stderr).toBe(0);
    out = path.join(mkdtempSync(path.join(tmpdir(), 'custos-backup-')), 'ws.custos-backup');
  });
  afterAll(async () => {
    await ws.cleanup();
    rmSync(path.dirname(out), { recursive: true, force: true });
  });

  it('writes a backup sealed under the master secret, and audits it', async () => {
    const made = await cli(['backup', '--out', out, '--json', '--workspace', ws.dir], { env: MASTER_ENV });
    expect(made.code, made.stderr).toBe(0);
    expect(JSON.parse(made.stdout)).toMatchObject({ includesDatabase: true });
    const bytes = readFileSync(out);
    expect(bytes.subarray(0, 16).toString()).toBe('CUSTOS-BACKUP-2\n');
    // Nothing readable inside: no SQL, no declarations, no names.
    for (const clear of ['CREATE TABLE', 'datasets:', 'privateKey', rows[0]!.name]) {
      expect(bytes.includes(Buffer.from(clear))).toBe(false);
    }
    const db = new Database(ws.storageUrl.slice('sqlite:'.length), { readonly: true });
    const last = db
      .prepare('SELECT entry FROM audit_entries ORDER BY idx DESC LIMIT 1')
      .pluck()
      .get() as string;
    db.close();
    expect(JSON.parse(last)).toMatchObject({ actor: 'cli', action: 'backup.create' });
  });

  it('refuses another master secret', async () => {
    const into = path.join(path.dirname(out), 'wrong');
    const refused = await cli(['restore', '--from', out, '--into', into], {
      env: { CUSTOS_MASTER_KEY: 'not-the-master-secret' },
    });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('wrong master secret');
    expect(existsSync(into)).toBe(false);
  });

  it('restores into a fresh folder: the audit log verifies and the records are there', async () => {
    const into = path.join(path.dirname(out), 'restored');
    // The original database is gone: everything must come from the backup.
    rmSync(ws.storageUrl.slice('sqlite:'.length));
    const restored = await cli(['restore', '--from', out, '--into', into, '--json'], { env: MASTER_ENV });
    expect(restored.code, restored.stderr).toBe(0);
    const facts = JSON.parse(restored.stdout);
    expect(facts.auditLog.ok).toBe(true);
    expect(facts.auditLog.treeSize).toBeGreaterThanOrEqual(1);
    expect(facts.records).toBe(rows.length);
    // The restored workspace works on its own: its audit log verifies with its own trust file, and
    // the key service opens the records' keys (a verify of stored records decrypts each one).
    const verify = await cli(['audit', 'verify', '--json', '--workspace', into], { env: MASTER_ENV });
    expect(verify.code, verify.stderr).toBe(0);
    const records = await cli(['records', 'verify', 'people', '--json', '--workspace', into], {
      env: MASTER_ENV,
    });
    expect(records.code, records.stderr + records.stdout).toBe(0);
    // A second restore into the same folder is refused.
    expect((await cli(['restore', '--from', out, '--into', into], { env: MASTER_ENV })).code).not.toBe(0);
  });
});

/** The frames of a format-2 backup: [offset, length] of each (length prefix + ciphertext + tag). */
function frames(bytes: Buffer): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let at = 16 + 16;
  while (at < bytes.length) {
    const length = 4 + bytes.readUInt32BE(at) + 16;
    out.push([at, length]);
    at += length;
  }
  return out;
}

describe('backup file format', () => {
  let ws: TestWorkspace;
  let dir: string;
  let file: string;
  const secret = MASTER_ENV.CUSTOS_MASTER_KEY;
  beforeAll(async () => {
    ws = await createPipelineWorkspace('sqlite', { lawfulBasis: 'contract', requireConfirmation: false });
    writeFileSync(
      path.join(ws.dir, 'large-notes.json'),
      JSON.stringify({ notes: 'x'.repeat(3 * 1024 * 1024) }),
    );
    dir = mkdtempSync(path.join(tmpdir(), 'custos-backup-format-'));
    file = path.join(dir, 'ws.custos-backup');
    const ctx = await openContext(ws.dir, { env: MASTER_ENV });
    try {
      ctx.keys();
      const summary = await createBackup({
        workspaceDir: ws.dir,
        store: ctx.store,
        masterSecret: secret,
        out: file,
      });
      expect(summary.includesDatabase).toBe(true);
    } finally {
      await ctx.close();
    }
  });
  afterAll(async () => {
    await ws.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });
  const refusedWith = async (bytes: Buffer, name: string) => {
    const altered = path.join(dir, `${name}.custos-backup`);
    writeFileSync(altered, bytes);
    const into = path.join(dir, name);
    await expect(restoreBackup({ file: altered, masterSecret: secret, into })).rejects.toThrow(
      /wrong master secret, or the file was altered/,
    );
    // Nothing half-restored is left behind.
    expect(existsSync(into)).toBe(false);
  };

  it('seals the workspace in chunks and restores it byte for byte', async () => {
    const bytes = readFileSync(file);
    expect(frames(bytes).length).toBeGreaterThanOrEqual(4);
    const into = path.join(dir, 'whole');
    expect(await restoreBackup({ file, masterSecret: secret, into })).toMatchObject({
      includesDatabase: true,
    });
    // (Buffer.equals: a deep comparison of 3 MiB element by element takes a minute.)
    const restoredNotes = readFileSync(path.join(into, 'large-notes.json'));
    expect(restoredNotes.equals(readFileSync(path.join(ws.dir, 'large-notes.json')))).toBe(true);
    expect(readdirSync(path.join(into, 'keys')).sort()).toEqual(
      readdirSync(path.join(ws.dir, 'keys')).sort(),
    );
    expect(readFileSync(path.join(into, 'custos.yaml'), 'utf8')).toMatch(
      /^storage: sqlite:\.\/data\/custos\.db$/m,
    );
  });

  it('refuses an altered byte, reordered chunks, a dropped chunk and a cut-off end', async () => {
    const bytes = readFileSync(file);
    const list = frames(bytes);
    const altered = Buffer.from(bytes);
    altered[list[1]![0] + 100]! ^= 0x01;
    await refusedWith(altered, 'altered');
    const [a, b] = [list[1]!, list[2]!];
    const swapped = Buffer.concat([
      bytes.subarray(0, a[0]),
      bytes.subarray(b[0], b[0] + b[1]),
      bytes.subarray(a[0], a[0] + a[1]),
      bytes.subarray(b[0] + b[1]),
    ]);
    await refusedWith(swapped, 'swapped');
    await refusedWith(Buffer.concat([bytes.subarray(0, a[0]), bytes.subarray(a[0] + a[1])]), 'dropped');
    const last = list[list.length - 1]!;
    await refusedWith(bytes.subarray(0, last[0]), 'cut');
  });

  it('still restores a backup of format 1 (one sealed bundle)', async () => {
    // Format 1 as it was written: scrypt key, AES-256-GCM over the JSON bundle, AAD the magic.
    const magic = Buffer.from('CUSTOS-BACKUP-1\n');
    const bundle = {
      format: 'custos-backup',
      version: 1,
      createdAt: new Date().toISOString(),
      files: {
        'custos.yaml': readFileSync(path.join(ws.dir, 'custos.yaml')).toString('base64'),
        'keys/a.json': Buffer.from('{"k":1}').toString('base64'),
      },
    };
    const salt = randomBytes(16);
    const nonce = randomBytes(12);
    const key = scryptSync(secret, salt, 32, { N: 32_768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(magic);
    const sealed = Buffer.concat([cipher.update(JSON.stringify(bundle)), cipher.final()]);
    const old = path.join(dir, 'old.custos-backup');
    writeFileSync(old, Buffer.concat([magic, salt, nonce, cipher.getAuthTag(), sealed]));
    const into = path.join(dir, 'from-v1');
    expect(await restoreBackup({ file: old, masterSecret: secret, into })).toEqual({
      files: 2,
      includesDatabase: false,
    });
    expect(readFileSync(path.join(into, 'keys/a.json'), 'utf8')).toBe('{"k":1}');
  });
});

describe('backup and restore (PostgreSQL)', () => {
  let ws: TestWorkspace;
  let dir: string;
  beforeAll(async () => {
    ws = await createTestWorkspace('postgres');
    dir = mkdtempSync(path.join(tmpdir(), 'custos-backup-pg-'));
    // The key service creates the key file; the audit log its signing key and trust file.
    const ctx = await openContext(ws.dir, { env: MASTER_ENV });
    try {
      ctx.keys();
      await ctx.audit.record([{ actor: 'test', action: 'test.start', target: 'workspace' }]);
    } finally {
      await ctx.close();
    }
  });
  afterAll(async () => {
    await ws.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('backs up the key material and declarations, prints the pg_dump command, and restore puts them back', async () => {
    const out = path.join(dir, 'pg.custos-backup');
    const made = await cli(['backup', '--out', out, '--json', '--workspace', ws.dir], { env: MASTER_ENV });
    expect(made.code, made.stderr).toBe(0);
    const summary = JSON.parse(made.stdout);
    expect(summary).toMatchObject({ includesDatabase: false });
    expect(summary.pgDump).toMatch(
      /^pg_dump --format=custom --schema='[a-z_0-9]+' --file='.*\.pgdump' 'postgres(ql)?:\/\//,
    );
    // The password is never on the command line.
    const password = new URL(ws.storageUrl).password;
    if (password) expect(summary.pgDump).not.toContain(`:${password}@`);
    const human = await cli(
      ['backup', '--out', path.join(dir, 'again.custos-backup'), '--workspace', ws.dir],
      {
        env: MASTER_ENV,
      },
    );
    expect(human.stdout).toContain('pg_dump --format=custom');

    const into = path.join(dir, 'restored');
    mkdirSync(into);
    const restored = await restoreBackup({ file: out, masterSecret: MASTER_ENV.CUSTOS_MASTER_KEY, into });
    expect(restored.includesDatabase).toBe(false);
    const keys = readdirSync(path.join(ws.dir, 'keys')).sort();
    expect(keys.length).toBeGreaterThanOrEqual(2);
    expect(readdirSync(path.join(into, 'keys')).sort()).toEqual(keys);
    for (const name of keys)
      expect(readFileSync(path.join(into, 'keys', name))).toEqual(
        readFileSync(path.join(ws.dir, 'keys', name)),
      );
    for (const name of ['custos.yaml', 'audit-trust.json'])
      expect(readFileSync(path.join(into, name))).toEqual(readFileSync(path.join(ws.dir, name)));
    // The restored folder, pointed at the same PostgreSQL data (as after pg_restore), opens its keys
    // and verifies its audit log against the restored trust file.
    const verify = await cli(['audit', 'verify', '--json', '--workspace', into], { env: MASTER_ENV });
    expect(verify.code, verify.stderr).toBe(0);
  });
});
