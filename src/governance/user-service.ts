// User accounts: creation, passwords, roles, authentication with failed-login backoff, first admin.

import { createHash, randomBytes } from 'node:crypto';
import { type Kysely, type Selectable, sql } from 'kysely';
import {
  type AuditTrail,
  type Clock,
  ConflictError,
  containsPattern,
  DEFAULT_PAGE_LIMIT,
  isRole,
  loginLockSeconds,
  NotFoundError,
  type Page,
  type PageOptions,
  parseSort,
  RateLimitedError,
  type Role,
  systemClock,
  UnauthorizedError,
  ValidationError,
} from '../domain/index.js';
import type { Database, UsersTable } from '../store/index.js';
import {
  checkPasswordRules,
  DEFAULT_PASSWORD_POLICY,
  dummyPasswordHash,
  hashPassword,
  type PasswordPolicy,
  verifyPassword,
} from './password.js';
import { newId } from './secret-token.js';

/** What the user list sorts by (`-` for descending); the id breaks ties so pages never overlap. */
export const USER_SORT_KEYS = ['username', 'displayName', 'role', 'createdAt'] as const;
export type UserSortKey = (typeof USER_SORT_KEYS)[number];
const USER_SORT_COLUMNS = {
  username: 'username',
  displayName: 'display_name',
  role: 'role',
  createdAt: 'created_at',
} as const satisfies Record<UserSortKey, keyof UsersTable>;

export interface UserListOptions extends PageOptions<UserSortKey> {
  /** Part of the username or display name, any case. */
  search?: string;
  role?: Role;
  isDisabled?: boolean;
}

/** The address of a caller that is not on the network (CLI, tests). */
export const LOCAL_ADDRESS = 'local';

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
    private readonly passwordPolicy: PasswordPolicy = DEFAULT_PASSWORD_POLICY,
  ) {}

  async create(input: NewUser, actor: string): Promise<User> {
    if (!USERNAME.test(input.username)) {
      throw new ValidationError('username must be 2–32 characters: a-z, 0-9, _ . -, starting with a letter', {
        field: 'username',
      });
    }
    if (!isRole(input.role)) throw new ValidationError('unknown role', { field: 'role' });
    checkPasswordRules(input.password, this.passwordPolicy);
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
    checkPasswordRules(password, this.passwordPolicy);
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
   * Checks a username and password from `clientAddress`. An unknown user and a wrong password look
   * the same (same error, an argon2 verify against a dummy hash, the same throttle writes). Failures
   * delay further attempts for that user name *from that address* (login-backoff), so nobody can
   * lock a known user out from elsewhere; while delayed, even the right password is refused.
   */
  async authenticate(
    username: string,
    password: string,
    clientAddress: string = LOCAL_ADDRESS,
  ): Promise<User> {
    const now = this.clock();
    const throttleKey = createHash('sha256')
      .update(`${username.toLowerCase()}\u0000${clientAddress}`)
      .digest('hex');
    const throttle = await this.db
      .selectFrom('login_throttle')
      .selectAll()
      .where('throttle_key', '=', throttleKey)
      .executeTakeFirst();
    if (throttle?.blocked_until && throttle.blocked_until > now.toISOString()) {
      const wait = Math.ceil((Date.parse(throttle.blocked_until) - now.getTime()) / 1000);
      throw new RateLimitedError(`too many failed logins; try again in ${wait} s`, wait);
    }
    const row = await this.findRow(username);
    const isValid = await verifyPassword(row?.password_hash ?? (await dummyPasswordHash()), password);
    if (!row || !isValid || row.is_disabled === 1) {
      const failed = (throttle?.failed_count ?? 0) + 1;
      const lockSeconds = loginLockSeconds(failed);
      const values = {
        failed_count: failed,
        blocked_until: lockSeconds > 0 ? new Date(now.getTime() + lockSeconds * 1000).toISOString() : null,
        updated_at: now.toISOString(),
      };
      await this.db
        .insertInto('login_throttle')
        .values({ throttle_key: throttleKey, ...values })
        .onConflict((oc) => oc.column('throttle_key').doUpdateSet(values))
        .execute();
      await this.audit.record([
        {
          actor: 'anonymous',
          action: 'auth.login_failed',
          // A name that is no user is not recorded: it may be a password typed in the wrong field.
          target: row ? `user:${row.username}` : 'user:(unknown)',
          details: { clientAddress, failed },
        },
      ]);
      throw new UnauthorizedError('invalid username or password');
    }
    if (throttle) {
      await this.db.deleteFrom('login_throttle').where('throttle_key', '=', throttleKey).execute();
    }
    return toUser(row);
  }

  /** Records a completed sign-in (after the second factor, where one is required). */
  async recordSignIn(
    user: User,
    clientAddress: string,
    method: 'password' | 'totp' | 'recovery_code',
  ): Promise<void> {
    await this.audit.record([
      {
        actor: `user:${user.username}`,
        action: 'auth.login',
        target: `user:${user.username}`,
        details: { clientAddress, method },
      },
    ]);
  }

  async list(): Promise<User[]> {
    const rows = await this.db.selectFrom('users').selectAll().orderBy('username').execute();
    return rows.map(toUser);
  }

  /** A page of users matching `search`/`role`/`isDisabled`, sorted (default by username), and how many match. */
  async page(options: UserListOptions = {}): Promise<Page<User>> {
    const { key, direction } = parseSort(options.sort ?? 'username');
    let query = this.db.selectFrom('users');
    if (options.search) {
      const pattern = containsPattern(options.search);
      query = query.where((eb) =>
        eb.or([
          sql<boolean>`lower(${eb.ref('username')}) like ${pattern} escape '\\'`,
          sql<boolean>`lower(coalesce(${eb.ref('display_name')}, '')) like ${pattern} escape '\\'`,
        ]),
      );
    }
    if (options.role) query = query.where('role', '=', options.role);
    if (options.isDisabled !== undefined) query = query.where('is_disabled', '=', options.isDisabled ? 1 : 0);
    const [rows, count] = await Promise.all([
      query
        .selectAll()
        .orderBy(USER_SORT_COLUMNS[key], direction)
        .orderBy('id', direction)
        .limit(options.limit ?? DEFAULT_PAGE_LIMIT)
        .offset(options.offset ?? 0)
        .execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(toUser), total: Number(count.n) };
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
