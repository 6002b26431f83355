// Key-encryption keys (KEKs) behind a provider interface. The default provider keeps them in a key
// file under the workspace (`keys/keyring.json`), each KEK version sealed with a key derived by
// scrypt from the master secret (CUSTOS_MASTER_KEY). The file also holds the blind-index key,
// separate from every encryption key. Writes are atomic (temp file + rename).

import { randomBytes, scryptSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError, CryptoError } from '../domain/index.js';
import { KEY_BYTES, open, parseHeader, seal } from './aead.js';
import type { CipherSuite } from './hash.js';

export interface KekVersion {
  version: number;
  createdAt: string;
  retiredAt?: string;
}

/** Holds KEKs; wraps and unwraps data keys. A KMS or Vault-transit provider implements the same. */
export interface KeyProvider {
  readonly suite: CipherSuite;
  readonly description: string;
  currentVersion(): number;
  versions(): KekVersion[];
  wrap(dek: Buffer, aad: Buffer): Buffer;
  unwrap(wrapped: Buffer, aad: Buffer): Buffer;
  /** Version a wrapped key was made with (from its header), without unwrapping. */
  versionOf(wrapped: Buffer): number;
  rotate(): KekVersion;
  retire(version: number): KekVersion;
  blindIndexKey(): Buffer;
}

const fileSchema = z
  .object({
    format: z.literal(1),
    suite: z.enum(['sm', 'aes']),
    kdf: z.object({
      name: z.literal('scrypt'),
      salt: z.string(),
      N: z.number(),
      r: z.number(),
      p: z.number(),
    }),
    keks: z.array(
      z.object({
        version: z.number().int().min(1),
        createdAt: z.string(),
        retiredAt: z.string().optional(),
        sealed: z.string(),
      }),
    ),
    blindIndexKey: z.string(),
  })
  .strict();
type KeyFile = z.infer<typeof fileSchema>;

const KDF = { N: 2 ** 15, r: 8, p: 1 };

export class LocalKeyFileProvider implements KeyProvider {
  readonly suite: CipherSuite;
  private data: KeyFile;
  private readonly keks = new Map<number, Buffer>();
  private readonly indexKey: Buffer;
  private readonly masterKey: Buffer;

  private constructor(
    private readonly file: string,
    private readonly displayName: string,
    data: KeyFile,
    masterKey: Buffer,
  ) {
    this.data = data;
    this.suite = data.suite;
    this.masterKey = masterKey;
    for (const kek of data.keks) {
      this.keks.set(kek.version, this.openSealed(kek.sealed, `kek:${kek.version}`));
    }
    this.indexKey = this.openSealed(data.blindIndexKey, 'blind-index');
  }

  get description(): string {
    return `key file ${this.displayName}`;
  }

  /**
   * Opens the key file, or creates it (first KEK and blind-index key) when it does not exist.
   * `displayName` is how errors name the file (relative to the workspace).
   */
  static openOrCreate(
    file: string,
    displayName: string,
    suite: CipherSuite,
    masterSecret: string,
  ): LocalKeyFileProvider {
    if (masterSecret.length < 16) throw new CryptoError('the master secret must be at least 16 characters');
    if (!existsSync(file)) {
      const salt = randomBytes(16);
      const masterKey = deriveMaster(masterSecret, salt.toString('base64'));
      const now = new Date().toISOString();
      const data: KeyFile = {
        format: 1,
        suite,
        kdf: { name: 'scrypt', salt: salt.toString('base64'), ...KDF },
        keks: [
          { version: 1, createdAt: now, sealed: sealWith(suite, masterKey, randomBytes(KEY_BYTES), 'kek:1') },
        ],
        blindIndexKey: sealWith(suite, masterKey, randomBytes(KEY_BYTES), 'blind-index'),
      };
      writeAtomic(file, data);
      return new LocalKeyFileProvider(file, displayName, data, masterKey);
    }
    let data: KeyFile;
    try {
      const parsed = fileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
      if (!parsed.success) throw new Error(parsed.error.issues[0]?.message);
      data = parsed.data;
    } catch {
      throw new ConfigError(`${displayName} is not a valid key file`, [
        { file: displayName, path: '', message: 'not a Custos key file (format 1)' },
      ]);
    }
    if (data.suite !== suite) {
      throw new ConfigError(
        `${displayName} holds ${data.suite} keys but custos.yaml says crypto.suite: ${suite}`,
        [
          {
            file: 'custos.yaml',
            path: 'crypto.suite',
            message: `the key file was made for suite ${data.suite}`,
          },
        ],
      );
    }
    const masterKey = deriveMaster(masterSecret, data.kdf.salt, data.kdf);
    try {
      return new LocalKeyFileProvider(file, displayName, data, masterKey);
    } catch (error) {
      if (error instanceof CryptoError) {
        throw new CryptoError(`the master secret does not open ${displayName} (wrong CUSTOS_MASTER_KEY?)`);
      }
      throw error;
    }
  }

  currentVersion(): number {
    return Math.max(...this.data.keks.filter((k) => !k.retiredAt).map((k) => k.version));
  }

  versions(): KekVersion[] {
    return this.data.keks.map(({ version, createdAt, retiredAt }) => ({
      version,
      createdAt,
      ...(retiredAt ? { retiredAt } : {}),
    }));
  }

  wrap(dek: Buffer, aad: Buffer): Buffer {
    const version = this.currentVersion();
    return seal(this.suite, this.kek(version), { keyId: 'kek', version }, dek, aad);
  }

  unwrap(wrapped: Buffer, aad: Buffer): Buffer {
    return open(this.kek(this.versionOf(wrapped)), wrapped, aad);
  }

  versionOf(wrapped: Buffer): number {
    return parseHeader(wrapped).header.version;
  }

  rotate(): KekVersion {
    const version = Math.max(...this.data.keks.map((k) => k.version)) + 1;
    const kek = randomBytes(KEY_BYTES);
    const entry = {
      version,
      createdAt: new Date().toISOString(),
      sealed: sealWith(this.suite, this.masterKey, kek, `kek:${version}`),
    };
    this.data = { ...this.data, keks: [...this.data.keks, entry] };
    writeAtomic(this.file, this.data);
    this.keks.set(version, kek);
    return { version, createdAt: entry.createdAt };
  }

  retire(version: number): KekVersion {
    const entry = this.data.keks.find((k) => k.version === version);
    if (!entry) throw new CryptoError(`key version ${version} does not exist`);
    if (version === this.currentVersion())
      throw new CryptoError(`key version ${version} is the current version`);
    const retiredAt = entry.retiredAt ?? new Date().toISOString();
    this.data = {
      ...this.data,
      keks: this.data.keks.map((k) => (k.version === version ? { ...k, retiredAt } : k)),
    };
    writeAtomic(this.file, this.data);
    this.keks.get(version)?.fill(0);
    this.keks.delete(version);
    return { version, createdAt: entry.createdAt, retiredAt };
  }

  blindIndexKey(): Buffer {
    return this.indexKey;
  }

  private kek(version: number): Buffer {
    const kek = this.keks.get(version);
    if (!kek) {
      const known = this.data.keks.find((k) => k.version === version);
      throw new CryptoError(
        known?.retiredAt
          ? `key version ${version} was retired on ${known.retiredAt}`
          : `key version ${version} is missing from ${this.displayName}`,
      );
    }
    return kek;
  }

  private openSealed(sealed: string, label: string): Buffer {
    return open(this.masterKey, Buffer.from(sealed, 'base64'), Buffer.from(label));
  }
}

function deriveMaster(secret: string, saltBase64: string, params = KDF): Buffer {
  return scryptSync(secret, Buffer.from(saltBase64, 'base64'), KEY_BYTES, {
    N: params.N,
    r: params.r,
    p: params.p,
    maxmem: 256 * params.N * params.r,
  });
}

function sealWith(suite: CipherSuite, masterKey: Buffer, key: Buffer, label: string): string {
  return seal(suite, masterKey, { keyId: 'master', version: 1 }, key, Buffer.from(label)).toString('base64');
}

function writeAtomic(file: string, data: KeyFile): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, file);
}
