// User accounts: creation, passwords, roles, authentication with failed-login backoff, first admin.

import { randomBytes } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import {
  type AuditTrail,
  type Clock,
  ConflictError,
  isRole,
  loginLockSeconds,
  NotFoundError,
  RateLimitedError,
  type Role,
  systemClock,
  UnauthorizedError,
  ValidationError,
} from '../domain/index.js';
import type { Database, UsersTable } from '../store/index.js';
import { checkPasswordRules, dummyPasswordHash, hashPassword, verifyPassword } from './password.js';
import { newId } from './secret-token.js';

export interface User {
  id: string;
  username: string;
  displayName: string | null;
  role: Role;
  isDisabled: boolean;
  createdAt: string;
}

export interface NewUser {
  username: string;
  role: Role;
  password: string;
  displayName?: string;
}

const USERNAME = /^[a-z][a-z0-9_.-]{1,31}$/;

export class UserService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditTrail,
    private readonly clock: Clock = systemClock,
  ) {}

  async create(input: NewUser, actor: string): Promise<User> {
    if (!USERNAME.test(input.username)) {
      throw new ValidationError('username must be 2–32 characters: a-z, 0-9, _ . -, starting with a letter', {
        field: 'username',
      });
    }
    if (!isRole(input.role)) throw new ValidationError('unknown role', { field: 'role' });
    checkPasswordRules(input.password);
    const existing = await this.findRow(input.username);
    if (existing)
      throw new ConflictError(`user ${input.username} already exists`, { username: input.username });
    const now = this.clock().toISOString();
    const row = {
      id: newId(),
      username: input.username,
      display_name: input.displayName ?? null,
      role: input.role,
      password_hash: await hashPassword(input.password),
      is_disabled: 0,
      locked_until: null,
      created_at: now,
      updated_at: now,
    };
    await this.db.insertInto('users').values(row).execute();
    await this.audit.record([
      { actor, action: 'user.create', target: `user:${input.username}`, details: { role: input.role } },
    ]);
    return toUser({ ...row, failed_login_count: 0 });
  }

  async setPassword(username: string, password: string, actor: string): Promise<void> {
    checkPasswordRules(password);
    const row = await this.requireRow(username);
    await this.db
      .updateTable('users')
      .set({
        password_hash: await hashPassword(password),
        failed_login_count: 0,
        locked_until: null,
        updated_at: this.clock().toISOString(),
      })
      .where('id', '=', row.id)
      .execute();
    // Existing sessions of the user end with the old password.
    await this.db
      .updateTable('sessions')
      .set({ revoked_at: this.clock().toISOString() })
      .where('user_id', '=', row.id)
      .where('revoked_at', 'is', null)
      .execute();
    await this.audit.record([{ actor, action: 'user.password', target: `user:${username}` }]);
  }

  async setRole(username: string, role: Role, actor: string): Promise<User> {
    const row = await this.requireRow(username);
    await this.db
      .updateTable('users')
      .set({ role, updated_at: this.clock().toISOString() })
      .where('id', '=', row.id)
      .execute();
    await this.audit.record([
      { actor, action: 'user.role', target: `user:${username}`, details: { from: row.role, to: role } },
    ]);
    return toUser({ ...row, role });
  }

  async setDisabled(username: string, isDisabled: boolean, actor: string): Promise<User> {
    const row = await this.requireRow(username);
    await this.db
      .updateTable('users')
      .set({ is_disabled: isDisabled ? 1 : 0, updated_at: this.clock().toISOString() })
      .where('id', '=', row.id)
      .execute();
    await this.audit.record([
      { actor, action: isDisabled ? 'user.disable' : 'user.enable', target: `user:${username}` },
    ]);
    return toUser({ ...row, is_disabled: isDisabled ? 1 : 0 });
  }

  /**
   * Checks a username and password. Failures count towards a growing lock (see login-backoff);
   * while locked, even the right password is refused with the seconds to wait.
   */
  async authenticate(username: string, password: string): Promise<User> {
    const row = await this.findRow(username);
    const now = this.clock();
    if (!row) {
      await verifyPassword(await dummyPasswordHash(), password);
      await this.audit.record([
        { actor: 'anonymous', action: 'auth.login_failed', target: 'user:(unknown)' },
      ]);
      throw new UnauthorizedError('invalid username or password');
    }
    if (row.locked_until && row.locked_until > now.toISOString()) {
      const wait = Math.ceil((Date.parse(row.locked_until) - now.getTime()) / 1000);
      throw new RateLimitedError(`too many failed logins; try again in ${wait} s`, wait);
    }
    const isValid = await verifyPassword(row.password_hash, password);
    if (!isValid || row.is_disabled === 1) {
      const failed = row.failed_login_count + 1;
      const lockSeconds = loginLockSeconds(failed);
      await this.db
        .updateTable('users')
        .set({
          failed_login_count: failed,
          locked_until: lockSeconds > 0 ? new Date(now.getTime() + lockSeconds * 1000).toISOString() : null,
        })
        .where('id', '=', row.id)
        .execute();
      await this.audit.record([
        { actor: 'anonymous', action: 'auth.login_failed', target: `user:${username}`, details: { failed } },
      ]);
      throw new UnauthorizedError('invalid username or password');
    }
    if (row.failed_login_count > 0 || row.locked_until) {
      await this.db
        .updateTable('users')
        .set({ failed_login_count: 0, locked_until: null })
        .where('id', '=', row.id)
        .execute();
    }
    await this.audit.record([
      { actor: `user:${username}`, action: 'auth.login', target: `user:${username}` },
    ]);
    return toUser(row);
  }

  async list(): Promise<User[]> {
    const rows = await this.db.selectFrom('users').selectAll().orderBy('username').execute();
    return rows.map(toUser);
  }

  async get(username: string): Promise<User> {
    return toUser(await this.requireRow(username));
  }

  async getById(id: string): Promise<User | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toUser(row) : undefined;
  }

  async count(): Promise<number> {
    const result = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(result.n);
  }

  async hasEnabledAdmin(): Promise<boolean> {
    const row = await this.db
      .selectFrom('users')
      .select('id')
      .where('role', '=', 'admin')
      .where('is_disabled', '=', 0)
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * On first start (no enabled admin yet) creates `admin` with the given password, or a generated one
   * which the caller must show once. Returns undefined when an enabled admin exists.
   */
  async ensureInitialAdmin(
    password: string | undefined,
  ): Promise<{ username: string; password: string; isGenerated: boolean } | undefined> {
    // Users added before the first start (`custos user add`) do not count: until an enabled admin
    // exists, nobody could manage users from the console.
    if (await this.hasEnabledAdmin()) return undefined;
    const isGenerated = password === undefined || password === '';
    const chosen = isGenerated ? randomBytes(18).toString('base64url') : password;
    try {
      await this.create(
        { username: 'admin', role: 'admin', password: chosen, displayName: 'Administrator' },
        'system',
      );
    } catch (error) {
      // Another process started at the same moment and created the admin first: nothing to show.
      if (error instanceof ConflictError) return undefined;
      throw error;
    }
    return { username: 'admin', password: chosen, isGenerated };
  }

  private async findRow(username: string): Promise<Selectable<UsersTable> | undefined> {
    return this.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
  }

  private async requireRow(username: string): Promise<Selectable<UsersTable>> {
    const row = await this.findRow(username);
    if (!row) throw new NotFoundError(`user ${username} not found`, { username });
    return row;
  }
}

function toUser(row: Selectable<UsersTable>): User {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    role: isRole(row.role) ? row.role : 'auditor',
    isDisabled: row.is_disabled === 1,
    createdAt: row.created_at,
  };
}
