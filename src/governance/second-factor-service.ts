// Second factor for sign-in: TOTP (RFC 6238, 30 s steps, 6 digits, SHA-1 as authenticator apps
// expect) with single-use recovery codes. After the password, a sign-in that needs the second factor
// gets a short-lived challenge bound to the client address; the code (or a recovery code) completes
// it. TOTP secrets are sealed under a data key of their own (KeyService), never stored in clear.

import { randomInt } from 'node:crypto';
import type { Kysely } from 'kysely';
import { Secret, TOTP } from 'otpauth';
import {
  type AuditTrail,
  type Clock,
  ConflictError,
  NotFoundError,
  type Role,
  systemClock,
  UnauthorizedError,
} from '../domain/index.js';
import type { Database } from '../store/index.js';
import type { KeyService } from './key-service.js';
import { hashSecret, newSecret } from './secret-token.js';
import type { User, UserService } from './user-service.js';

export const CHALLENGE_MINUTES = 5;
/** Codes tried per challenge before it is spent (with the per-address rate limit on top). */
export const CHALLENGE_ATTEMPTS = 5;
export const RECOVERY_CODE_COUNT = 10;
const PERIOD = 30;

export interface SecondFactorOptions {
  issuer: string;
  /** Roles that must use a second factor. */
  requiredRoles: readonly Role[];
}

export interface Challenge {
  challenge: string;
  expiresAt: string;
  /** False: the user must enrol (POST …/second-factor/enrol) before giving a code. */
  isEnrolled: boolean;
}

export interface CompletedSignIn {
  user: User;
  method: 'totp' | 'recovery_code';
  /** Only when this sign-in completed an enrolment: shown once, never stored in clear. */
  recoveryCodes?: string[];
}

export class SecondFactorService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly users: UserService,
    private readonly keys: () => KeyService,
    private readonly audit: AuditTrail,
    private readonly options: SecondFactorOptions,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Must this user give a second factor? Their role requires it, or they enrolled of their own accord. */
  async isNeeded(user: User): Promise<boolean> {
    return this.options.requiredRoles.includes(user.role) || (await this.isEnrolled(user.id));
  }

  async isEnrolled(userId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('second_factors')
      .select('confirmed_at')
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row?.confirmed_at != null;
  }

  /** After a correct password: a challenge for the second step, bound to the client address. */
  async startChallenge(user: User, clientAddress: string): Promise<Challenge> {
    const now = this.clock();
    const challenge = newSecret('');
    const expiresAt = new Date(now.getTime() + CHALLENGE_MINUTES * 60_000).toISOString();
    // Expired challenges go as new ones arrive: the table stays small without a sweeper.
    await this.db.deleteFrom('login_challenges').where('expires_at', '<=', now.toISOString()).execute();
    await this.db
      .insertInto('login_challenges')
      .values({
        challenge_hash: hashSecret(challenge),
        user_id: user.id,
        client_address: clientAddress,
        attempts: 0,
        expires_at: expiresAt,
        created_at: now.toISOString(),
      })
      .execute();
    return { challenge, expiresAt, isEnrolled: await this.isEnrolled(user.id) };
  }

  /** Starts (or restarts) enrolment for the challenge's user: the secret to put in an authenticator. */
  async beginEnrolment(
    challenge: string,
    clientAddress: string,
  ): Promise<{ secret: string; otpauthUrl: string }> {
    const { user } = await this.openChallenge(challenge, clientAddress, false);
    return this.enrol(user);
  }

  /** Enrolment by a signed-in user (for roles that do not require it). */
  async enrol(user: User): Promise<{ secret: string; otpauthUrl: string }> {
    if (await this.isEnrolled(user.id)) {
      throw new ConflictError('a second factor is already set up; an administrator can reset it');
    }
    const secret = new Secret({ size: 20 });
    const ciphertext = await this.keys().encryptRecord(subjectOf(user.id), { secret: secret.base32 });
    const now = this.clock().toISOString();
    await this.db.deleteFrom('second_factors').where('user_id', '=', user.id).execute();
    await this.db
      .insertInto('second_factors')
      .values({
        user_id: user.id,
        secret_ciphertext: ciphertext,
        confirmed_at: null,
        last_step: null,
        created_at: now,
      })
      .execute();
    return { secret: secret.base32, otpauthUrl: this.totp(user, secret).toString() };
  }

  /**
   * The second step: a TOTP code (confirming a pending enrolment, which then issues recovery codes)
   * or an unused recovery code. A wrong code spends an attempt; the challenge is single-use.
   */
  async complete(challenge: string, code: string, clientAddress: string): Promise<CompletedSignIn> {
    const { user, challengeHash } = await this.openChallenge(challenge, clientAddress, true);
    const normalised = code.replace(/[\s-]/g, '');
    let result: CompletedSignIn | undefined;
    if (/^\d{6}$/.test(normalised)) {
      result = await this.checkTotp(user, normalised);
    } else if (/^[a-z0-9]{10}$/i.test(normalised) && (await this.isEnrolled(user.id))) {
      result = await this.useRecoveryCode(user, normalised.toLowerCase());
    }
    if (!result) {
      await this.audit.record([
        {
          actor: 'anonymous',
          action: 'auth.second_factor_failed',
          target: `user:${user.username}`,
          details: { clientAddress },
        },
      ]);
      throw new UnauthorizedError('invalid code');
    }
    await this.db.deleteFrom('login_challenges').where('challenge_hash', '=', challengeHash).execute();
    return result;
  }

  /** Confirms a signed-in user's own enrolment with a code; returns the recovery codes (shown once). */
  async confirm(user: User, code: string, clientAddress: string): Promise<string[]> {
    const row = await this.db
      .selectFrom('second_factors')
      .select('confirmed_at')
      .where('user_id', '=', user.id)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('no second factor is being set up: start with …/second-factor/setup');
    if (row.confirmed_at !== null) throw new ConflictError('the second factor is already confirmed');
    const normalised = code.replace(/[\s-]/g, '');
    const result = /^\d{6}$/.test(normalised) ? await this.checkTotp(user, normalised) : undefined;
    if (!result?.recoveryCodes) {
      await this.audit.record([
        {
          actor: `user:${user.username}`,
          action: 'auth.second_factor_failed',
          target: `user:${user.username}`,
          details: { clientAddress },
        },
      ]);
      throw new UnauthorizedError('invalid code');
    }
    return result.recoveryCodes;
  }

  /** An administrator removes a user's second factor (lost phone); the user enrols again at next sign-in. */
  async reset(username: string, actor: string): Promise<void> {
    const user = await this.users.get(username);
    const removed = await this.db
      .deleteFrom('second_factors')
      .where('user_id', '=', user.id)
      .executeTakeFirst();
    await this.db.deleteFrom('recovery_codes').where('user_id', '=', user.id).execute();
    if (Number(removed.numDeletedRows) === 0)
      throw new NotFoundError(`user ${username} has no second factor`);
    await this.audit.record([{ actor, action: 'user.second_factor_reset', target: `user:${username}` }]);
  }

  private async openChallenge(
    challenge: string,
    clientAddress: string,
    spendAttempt: boolean,
  ): Promise<{ user: User; challengeHash: string }> {
    const challengeHash = hashSecret(challenge);
    const row = await this.db
      .selectFrom('login_challenges')
      .selectAll()
      .where('challenge_hash', '=', challengeHash)
      .executeTakeFirst();
    const now = this.clock().toISOString();
    if (
      !row ||
      row.expires_at <= now ||
      row.client_address !== clientAddress ||
      row.attempts >= CHALLENGE_ATTEMPTS
    ) {
      throw new UnauthorizedError('the sign-in has expired; enter your password again');
    }
    if (spendAttempt) {
      await this.db
        .updateTable('login_challenges')
        .set({ attempts: row.attempts + 1 })
        .where('challenge_hash', '=', challengeHash)
        .execute();
    }
    const user = await this.users.getById(row.user_id);
    if (!user || user.isDisabled)
      throw new UnauthorizedError('the sign-in has expired; enter your password again');
    return { user, challengeHash };
  }

  private async checkTotp(user: User, code: string): Promise<CompletedSignIn | undefined> {
    const row = await this.db
      .selectFrom('second_factors')
      .selectAll()
      .where('user_id', '=', user.id)
      .executeTakeFirst();
    if (!row) return undefined;
    const { secret } = (await this.keys().decryptRecord(subjectOf(user.id), row.secret_ciphertext)) as {
      secret: string;
    };
    const timestamp = this.clock().getTime();
    // RFC 6238 §5.2: one step either side for clock drift.
    const delta = this.totp(user, Secret.fromBase32(secret)).validate({ token: code, timestamp, window: 1 });
    if (delta === null) return undefined;
    const step = Math.floor(timestamp / 1000 / PERIOD) + delta;
    // A code is accepted once (RFC 6238 §5.2): a step at or before the last accepted one is a replay.
    if (row.last_step !== null && step <= Number(row.last_step)) return undefined;
    const isEnrolment = row.confirmed_at === null;
    const now = this.clock().toISOString();
    const updated = await this.db
      .updateTable('second_factors')
      .set({ last_step: step, ...(isEnrolment ? { confirmed_at: now } : {}) })
      .where('user_id', '=', user.id)
      .where((eb) =>
        row.last_step === null ? eb('last_step', 'is', null) : eb('last_step', '=', row.last_step),
      )
      .executeTakeFirst();
    // Someone else used a code of this user at the same moment: this one loses.
    if (Number(updated.numUpdatedRows) !== 1) return undefined;
    if (!isEnrolment) return { user, method: 'totp' };
    const recoveryCodes = await this.issueRecoveryCodes(user);
    await this.audit.record([
      { actor: `user:${user.username}`, action: 'user.second_factor_enrol', target: `user:${user.username}` },
    ]);
    return { user, method: 'totp', recoveryCodes };
  }

  private async useRecoveryCode(user: User, code: string): Promise<CompletedSignIn | undefined> {
    const used = await this.db
      .updateTable('recovery_codes')
      .set({ used_at: this.clock().toISOString() })
      .where('code_hash', '=', hashSecret(`${user.id}:${code}`))
      .where('user_id', '=', user.id)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    if (Number(used.numUpdatedRows) !== 1) return undefined;
    return { user, method: 'recovery_code' };
  }

  private async issueRecoveryCodes(user: User): Promise<string[]> {
    // 10 characters of [a-z0-9] (≈ 51 bits) each, shown as xxxxx-xxxxx; stored as a salted hash.
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () =>
      Array.from({ length: 10 }, () => alphabet[randomInt(alphabet.length)]).join(''),
    );
    const now = this.clock().toISOString();
    await this.db.deleteFrom('recovery_codes').where('user_id', '=', user.id).execute();
    await this.db
      .insertInto('recovery_codes')
      .values(
        codes.map((code) => ({
          code_hash: hashSecret(`${user.id}:${code}`),
          user_id: user.id,
          used_at: null,
          created_at: now,
        })),
      )
      .execute();
    return codes.map((code) => `${code.slice(0, 5)}-${code.slice(5)}`);
  }

  private totp(user: User, secret: Secret): TOTP {
    return new TOTP({
      issuer: this.options.issuer,
      label: user.username,
      secret,
      algorithm: 'SHA1',
      digits: 6,
      period: PERIOD,
    });
  }
}

/** The key subject a user's TOTP secret is sealed under (its own data key, shreddable). */
function subjectOf(userId: string): string {
  return `second-factor:${userId}`;
}
