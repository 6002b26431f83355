// Encrypted backups of a workspace: the SQLite database copied online (better-sqlite3's backup API,
// consistent while the server runs), the workspace's declaration files and its key material (key
// file, audit signing key, trust file), sealed with AES-256-GCM under a key derived (scrypt) from
// the workspace master secret. Restore writes them into a fresh folder. PostgreSQL data is backed
// up with pg_dump (docs/security.md); the bundle then carries the files and key material only.
//
// File: "CUSTOS-BACKUP-1\n" ‖ salt (16) ‖ nonce (12) ‖ tag (16) ‖ AES-256-GCM(JSON bundle).

import { createCipheriv, createDecipheriv, createHash, randomBytes, scryptSync } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConflictError, CryptoError, ValidationError } from '../../domain/index.js';
import type { Store } from '../../store/index.js';

const MAGIC = Buffer.from('CUSTOS-BACKUP-1\n', 'utf8');
/** Where the database sits in a restored workspace (custos.yaml's storage is pointed at it). */
export const RESTORED_DATABASE = 'data/custos.db';

interface Bundle {
  format: 'custos-backup';
  version: 1;
  createdAt: string;
  /** Workspace-relative path → base64 content. */
  files: Record<string, string>;
  /** Base64 SQLite database, absent for PostgreSQL. */
  database?: string;
}

export interface BackupSummary {
  file: string;
  bytes: number;
  sha256: string;
  files: number;
  includesDatabase: boolean;
}

function sealKey(masterSecret: string, salt: Buffer): Buffer {
  // scrypt (RFC 7914) with N = 2^15: a stolen backup costs a guesser real work per try.
  return scryptSync(masterSecret, salt, 32, { N: 32_768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
}

/** Workspace files worth keeping: declarations at the top level and the key material. */
function workspaceFiles(dir: string): string[] {
  const top = readdirSync(dir).filter(
    (name) => /\.(ya?ml|json)$/.test(name) && statSync(path.join(dir, name)).isFile(),
  );
  const keys = existsSync(path.join(dir, 'keys'))
    ? readdirSync(path.join(dir, 'keys'))
        .filter((name) => statSync(path.join(dir, 'keys', name)).isFile())
        .map((name) => `keys/${name}`)
    : [];
  return [...top, ...keys].sort();
}

export async function createBackup(options: {
  workspaceDir: string;
  store: Store;
  masterSecret: string;
  out: string;
}): Promise<BackupSummary> {
  if (existsSync(options.out)) throw new ConflictError(`${options.out} exists: choose a new file name`);
  const files: Record<string, string> = {};
  for (const name of workspaceFiles(options.workspaceDir)) {
    files[name] = readFileSync(path.join(options.workspaceDir, name)).toString('base64');
  }
  let database: string | undefined;
  if (options.store.sqlite) {
    const temporary = path.join(tmpdir(), `custos-backup-${randomBytes(6).toString('hex')}.db`);
    try {
      await options.store.sqlite.backup(temporary);
      database = readFileSync(temporary).toString('base64');
    } finally {
      rmSync(temporary, { force: true });
    }
  }
  const bundle: Bundle = {
    format: 'custos-backup',
    version: 1,
    createdAt: new Date().toISOString(),
    files,
    ...(database ? { database } : {}),
  };
  const salt = randomBytes(16);
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealKey(options.masterSecret, salt), nonce);
  cipher.setAAD(MAGIC);
  const sealed = Buffer.concat([cipher.update(JSON.stringify(bundle), 'utf8'), cipher.final()]);
  const output = Buffer.concat([MAGIC, salt, nonce, cipher.getAuthTag(), sealed]);
  writeFileSync(options.out, output, { mode: 0o600, flag: 'wx' });
  return {
    file: options.out,
    bytes: output.length,
    sha256: createHash('sha256').update(output).digest('hex'),
    files: Object.keys(files).length,
    includesDatabase: database !== undefined,
  };
}

/** Opens a backup and writes it into `into` (which must not exist or be empty). */
export function restoreBackup(options: { file: string; masterSecret: string; into: string }): {
  files: number;
  includesDatabase: boolean;
} {
  const data = readFileSync(options.file);
  if (!data.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new ValidationError(`${path.basename(options.file)} is not a Custos backup`);
  }
  const at = MAGIC.length;
  const salt = data.subarray(at, at + 16);
  const nonce = data.subarray(at + 16, at + 28);
  const tag = data.subarray(at + 28, at + 44);
  const decipher = createDecipheriv('aes-256-gcm', sealKey(options.masterSecret, salt), nonce);
  decipher.setAAD(MAGIC);
  decipher.setAuthTag(tag);
  let bundle: Bundle;
  try {
    bundle = JSON.parse(
      Buffer.concat([decipher.update(data.subarray(at + 44)), decipher.final()]).toString('utf8'),
    ) as Bundle;
  } catch {
    throw new CryptoError('the backup cannot be opened: wrong master secret, or the file was altered');
  }
  if (existsSync(options.into) && readdirSync(options.into).length > 0) {
    throw new ConflictError(`${options.into} is not empty: restore into a fresh folder`);
  }
  mkdirSync(options.into, { recursive: true });
  for (const [name, content] of Object.entries(bundle.files)) {
    const target = path.resolve(options.into, name);
    // Only paths inside the folder: a crafted bundle cannot write elsewhere.
    if (!target.startsWith(path.resolve(options.into) + path.sep))
      throw new ValidationError('the backup names a path outside the workspace');
    mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
    writeFileSync(target, Buffer.from(content, 'base64'), { mode: name.startsWith('keys/') ? 0o600 : 0o644 });
  }
  if (bundle.database) {
    const target = path.join(options.into, RESTORED_DATABASE);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, Buffer.from(bundle.database, 'base64'), { mode: 0o600 });
    // The restored workspace uses the restored database, wherever the original one lived.
    const config = path.join(options.into, 'custos.yaml');
    writeFileSync(
      config,
      readFileSync(config, 'utf8').replace(/^storage: .*$/m, `storage: sqlite:./${RESTORED_DATABASE}`),
    );
  }
  return { files: Object.keys(bundle.files).length, includesDatabase: bundle.database !== undefined };
}
