// Encrypted backups of a workspace: the SQLite database copied online (better-sqlite3's backup API,
// consistent while the server runs), the workspace's declaration files and its key material (key
// file, audit signing key, trust file), sealed under a key derived (scrypt) from the workspace
// master secret. Restore writes them into a fresh folder. PostgreSQL data is backed up with pg_dump
// (docs/postgresql.md); the backup then carries the declarations and key material only.
//
// Format 2 (streamed, memory independent of the database size):
//   "CUSTOS-BACKUP-2\n" ‖ salt (16) ‖ frame*        frame = length (4, BE) ‖ AES-256-GCM(chunk) ‖ tag (16)
// Chunks of at most 1 MiB of an inner stream of entries `{"name":…,"size":N}\n` ‖ N bytes, ending
// with `{"end":true}\n`. Chunk i is sealed with nonce = 0⁴ ‖ i (8, BE) and AAD = magic ‖ i ‖ final
// flag, so chunks cannot be reordered, dropped or the stream cut short without failing to open
// (the key is new for every backup: a fresh salt). Format 1 (one sealed JSON bundle, base64 in
// memory) is still restored.

import { createCipheriv, createDecipheriv, createHash, randomBytes, scryptSync } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConflictError, CryptoError, ValidationError } from '../../domain/index.js';
import type { Store } from '../../store/index.js';

const MAGIC_V1 = Buffer.from('CUSTOS-BACKUP-1\n', 'utf8');
const MAGIC = Buffer.from('CUSTOS-BACKUP-2\n', 'utf8');
const CHUNK = 1024 * 1024;
/** A frame longer than this is not one we wrote. */
const MAX_FRAME = CHUNK + 64;
/** Where the database sits in a restored workspace (custos.yaml's storage is pointed at it). */
export const RESTORED_DATABASE = 'data/custos.db';
/** The name of the database entry inside a backup. */
const DATABASE_ENTRY = '@database';

/** Format 1: one sealed JSON bundle. */
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

/** Seals the inner stream chunk by chunk into the output file, hashing what it writes. */
class SealedWriter {
  private readonly pending: Buffer[] = [];
  private pendingBytes = 0;
  private index = 0n;
  private readonly hash = createHash('sha256');
  bytes = 0;

  constructor(
    private readonly fd: number,
    private readonly key: Buffer,
    salt: Buffer,
  ) {
    this.raw(Buffer.concat([MAGIC, salt]));
  }

  write(data: Buffer): void {
    this.pending.push(data);
    this.pendingBytes += data.length;
    while (this.pendingBytes >= CHUNK) {
      const all = Buffer.concat(this.pending);
      this.pending.length = 0;
      this.pending.push(all.subarray(CHUNK));
      this.pendingBytes = all.length - CHUNK;
      this.seal(all.subarray(0, CHUNK), false);
    }
  }

  /** Seals what is left as the final chunk; returns the output's SHA-256. */
  finish(): string {
    this.seal(Buffer.concat(this.pending), true);
    return this.hash.digest('hex');
  }

  private seal(chunk: Buffer, isFinal: boolean): void {
    const cipher = createCipheriv('aes-256-gcm', this.key, chunkNonce(this.index));
    cipher.setAAD(chunkAad(this.index, isFinal));
    const sealed = Buffer.concat([cipher.update(chunk), cipher.final(), cipher.getAuthTag()]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(sealed.length - 16);
    this.raw(length);
    this.raw(sealed);
    this.index += 1n;
  }

  private raw(data: Buffer): void {
    writeSync(this.fd, data);
    this.hash.update(data);
    this.bytes += data.length;
  }
}

function chunkNonce(index: bigint): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeBigUInt64BE(index, 4);
  return nonce;
}

function chunkAad(index: bigint, isFinal: boolean): Buffer {
  const tail = Buffer.alloc(9);
  tail.writeBigUInt64BE(index);
  tail[8] = isFinal ? 1 : 0;
  return Buffer.concat([MAGIC, tail]);
}

function entryHeader(name: string, size: number): Buffer {
  return Buffer.from(`${JSON.stringify({ name, size })}\n`, 'utf8');
}

export async function createBackup(options: {
  workspaceDir: string;
  store: Store;
  masterSecret: string;
  out: string;
}): Promise<BackupSummary> {
  if (existsSync(options.out)) throw new ConflictError(`${options.out} exists: choose a new file name`);
  const salt = randomBytes(16);
  const names = workspaceFiles(options.workspaceDir);
  const temporary = path.join(tmpdir(), `custos-backup-${randomBytes(6).toString('hex')}.db`);
  const fd = openSync(options.out, 'wx', 0o600);
  let isComplete = false;
  try {
    const writer = new SealedWriter(fd, sealKey(options.masterSecret, salt), salt);
    for (const name of names) {
      const content = readFileSync(path.join(options.workspaceDir, name));
      writer.write(entryHeader(name, content.length));
      writer.write(content);
    }
    if (options.store.sqlite) {
      // The online copy goes to a private temporary file, then streams through the sealer.
      await options.store.sqlite.backup(temporary);
      const size = statSync(temporary).size;
      writer.write(entryHeader(DATABASE_ENTRY, size));
      for await (const chunk of createReadStream(temporary, { highWaterMark: CHUNK })) {
        writer.write(chunk as Buffer);
      }
    }
    writer.write(Buffer.from(`${JSON.stringify({ end: true, createdAt: new Date().toISOString() })}\n`));
    const sha256 = writer.finish();
    fsyncSync(fd);
    isComplete = true;
    return {
      file: options.out,
      bytes: writer.bytes,
      sha256,
      files: names.length,
      includesDatabase: options.store.sqlite !== undefined,
    };
  } finally {
    closeSync(fd);
    rmSync(temporary, { force: true });
    // A half-written backup is no backup: never leave one that looks like it.
    if (!isComplete) rmSync(options.out, { force: true });
  }
}

/** Opens a backup and writes it into `into` (which must not exist or be empty). */
export async function restoreBackup(options: { file: string; masterSecret: string; into: string }): Promise<{
  files: number;
  includesDatabase: boolean;
}> {
  const magic = Buffer.alloc(MAGIC.length);
  const fd = openSync(options.file, 'r');
  try {
    readSync(fd, magic, 0, magic.length, 0);
  } finally {
    closeSync(fd);
  }
  const isV1 = magic.equals(MAGIC_V1);
  if (!isV1 && !magic.equals(MAGIC)) {
    throw new ValidationError(`${path.basename(options.file)} is not a Custos backup`);
  }
  if (existsSync(options.into) && readdirSync(options.into).length > 0) {
    throw new ConflictError(`${options.into} is not empty: restore into a fresh folder`);
  }
  const created = !existsSync(options.into);
  try {
    return isV1 ? restoreV1(options) : await restoreV2(options);
  } catch (error) {
    // Nothing half-restored stays behind (the folder was new, or empty).
    if (created) rmSync(options.into, { recursive: true, force: true });
    else
      for (const name of readdirSync(options.into))
        rmSync(path.join(options.into, name), { recursive: true, force: true });
    throw error;
  }
}

const UNOPENABLE = 'the backup cannot be opened: wrong master secret, or the file was altered';

async function restoreV2(options: { file: string; masterSecret: string; into: string }): Promise<{
  files: number;
  includesDatabase: boolean;
}> {
  const sink = new EntrySink(options.into);
  let key: Buffer | undefined;
  let buffered: Buffer = Buffer.alloc(0);
  let index = 0n;
  let sawFinal = false;
  for await (const piece of createReadStream(options.file, { start: MAGIC.length, highWaterMark: CHUNK })) {
    buffered = buffered.length === 0 ? (piece as Buffer) : Buffer.concat([buffered, piece as Buffer]);
    if (!key) {
      if (buffered.length < 16) continue;
      key = sealKey(options.masterSecret, buffered.subarray(0, 16));
      buffered = buffered.subarray(16);
    }
    for (;;) {
      if (buffered.length < 4) break;
      const length = buffered.readUInt32BE(0);
      if (length > MAX_FRAME) throw new CryptoError(UNOPENABLE);
      if (buffered.length < 4 + length + 16) break;
      if (sawFinal) throw new CryptoError(UNOPENABLE);
      const sealed = buffered.subarray(4, 4 + length);
      const tag = buffered.subarray(4 + length, 4 + length + 16);
      buffered = buffered.subarray(4 + length + 16);
      // The final chunk is the one with nothing after it; try it as final when the file ends here.
      const plain = openChunk(key, index, sealed, tag);
      sawFinal = plain.isFinal;
      sink.write(plain.data);
      index += 1n;
    }
  }
  if (!sawFinal || buffered.length > 0) throw new CryptoError(UNOPENABLE);
  return sink.finish();
}

/** Opens chunk `index`, which is final or not (the AAD says which; the tag decides). */
function openChunk(
  key: Buffer,
  index: bigint,
  sealed: Buffer,
  tag: Buffer,
): { data: Buffer; isFinal: boolean } {
  for (const isFinal of [false, true]) {
    const decipher = createDecipheriv('aes-256-gcm', key, chunkNonce(index));
    decipher.setAAD(chunkAad(index, isFinal));
    decipher.setAuthTag(tag);
    try {
      return { data: Buffer.concat([decipher.update(sealed), decipher.final()]), isFinal };
    } catch {
      // Authentication failed under this flag: try the other; failing both, the chunk is not ours.
    }
  }
  throw new CryptoError(UNOPENABLE);
}

/** Writes the inner stream's entries into the restored folder as they arrive. */
class EntrySink {
  private buffered: Buffer = Buffer.alloc(0);
  private current: { name: string; remaining: number; fd: number; target: string; final: string } | undefined;
  private files = 0;
  private includesDatabase = false;
  private isEnded = false;

  constructor(private readonly into: string) {
    mkdirSync(into, { recursive: true });
  }

  write(data: Buffer): void {
    this.buffered = this.buffered.length === 0 ? data : Buffer.concat([this.buffered, data]);
    for (;;) {
      if (this.current) {
        const take = Math.min(this.current.remaining, this.buffered.length);
        if (take > 0) writeSync(this.current.fd, this.buffered.subarray(0, take));
        this.buffered = this.buffered.subarray(take);
        this.current.remaining -= take;
        if (this.current.remaining > 0) return;
        this.close();
        continue;
      }
      const newline = this.buffered.indexOf(0x0a);
      if (newline < 0) {
        if (this.buffered.length > 4096) throw new CryptoError(UNOPENABLE);
        return;
      }
      const header = JSON.parse(this.buffered.subarray(0, newline).toString('utf8')) as {
        name?: string;
        size?: number;
        end?: boolean;
      };
      this.buffered = this.buffered.subarray(newline + 1);
      if (this.isEnded) throw new CryptoError(UNOPENABLE);
      if (header.end) {
        this.isEnded = true;
        continue;
      }
      this.open(String(header.name), Number(header.size));
    }
  }

  finish(): { files: number; includesDatabase: boolean } {
    if (!this.isEnded || this.current || this.buffered.length > 0) throw new CryptoError(UNOPENABLE);
    return { files: this.files, includesDatabase: this.includesDatabase };
  }

  private open(name: string, size: number): void {
    if (!Number.isSafeInteger(size) || size < 0) throw new CryptoError(UNOPENABLE);
    const isDatabase = name === DATABASE_ENTRY;
    const final = isDatabase ? path.join(this.into, RESTORED_DATABASE) : insideFolder(this.into, name);
    mkdirSync(path.dirname(final), { recursive: true, mode: 0o700 });
    // Written beside its place and renamed when complete.
    const target = `${final}.partial`;
    const mode = isDatabase || name.startsWith('keys/') ? 0o600 : 0o644;
    this.current = { name, remaining: size, fd: openSync(target, 'wx', mode), target, final };
    if (size === 0) this.close();
  }

  private close(): void {
    const current = this.current!;
    closeSync(current.fd);
    renameSync(current.target, current.final);
    this.current = undefined;
    if (current.name === DATABASE_ENTRY) {
      this.includesDatabase = true;
      pointAtRestoredDatabase(this.into);
    } else this.files += 1;
  }
}

/** A path inside the folder: a crafted backup cannot write elsewhere. */
function insideFolder(into: string, name: string): string {
  const target = path.resolve(into, name);
  if (!target.startsWith(path.resolve(into) + path.sep))
    throw new ValidationError('the backup names a path outside the workspace');
  return target;
}

/** The restored workspace uses the restored database, wherever the original one lived. */
function pointAtRestoredDatabase(into: string): void {
  const config = path.join(into, 'custos.yaml');
  if (!existsSync(config)) return;
  writeFileSync(
    config,
    readFileSync(config, 'utf8').replace(/^storage: .*$/m, `storage: sqlite:./${RESTORED_DATABASE}`),
  );
}

/** Format 1: the whole bundle sealed at once (backups made before format 2). */
function restoreV1(options: { file: string; masterSecret: string; into: string }): {
  files: number;
  includesDatabase: boolean;
} {
  const data = readFileSync(options.file);
  const at = MAGIC_V1.length;
  const salt = data.subarray(at, at + 16);
  const nonce = data.subarray(at + 16, at + 28);
  const tag = data.subarray(at + 28, at + 44);
  const decipher = createDecipheriv('aes-256-gcm', sealKey(options.masterSecret, salt), nonce);
  decipher.setAAD(MAGIC_V1);
  decipher.setAuthTag(tag);
  let bundle: Bundle;
  try {
    bundle = JSON.parse(
      Buffer.concat([decipher.update(data.subarray(at + 44)), decipher.final()]).toString('utf8'),
    ) as Bundle;
  } catch {
    throw new CryptoError(UNOPENABLE);
  }
  mkdirSync(options.into, { recursive: true });
  for (const [name, content] of Object.entries(bundle.files)) {
    const target = insideFolder(options.into, name);
    mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
    writeFileSync(target, Buffer.from(content, 'base64'), { mode: name.startsWith('keys/') ? 0o600 : 0o644 });
  }
  if (bundle.database) {
    const target = path.join(options.into, RESTORED_DATABASE);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, Buffer.from(bundle.database, 'base64'), { mode: 0o600 });
    pointAtRestoredDatabase(options.into);
  }
  return { files: Object.keys(bundle.files).length, includesDatabase: bundle.database !== undefined };
}

/**
 * The pg_dump command that backs up a PostgreSQL workspace's data (a custom-format archive of its
 * schema, restorable with pg_restore). The password is left out: pg_dump reads PGPASSWORD or
 * ~/.pgpass, so it never lands in shell history.
 */
export function postgresDumpCommand(storageUrl: string, out: string): string {
  const url = new URL(storageUrl);
  const schema = url.searchParams.get('schema');
  url.searchParams.delete('schema');
  url.password = '';
  const quote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;
  return [
    'pg_dump',
    '--format=custom',
    ...(schema ? [`--schema=${quote(schema)}`] : []),
    `--file=${quote(out)}`,
    quote(url.toString()),
  ].join(' ');
}
