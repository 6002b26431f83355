// Checks over accounts, tokens, access requests and grants (GB/T 22239 identification and access
// control; PIPL Art. 52). Evidence names user, token, request and grant ids.

import { type Check, DAY_MS, daysBefore, fail, failIfAny, jsonList, pass } from './check.js';

const PRIVILEGED_ROLES = ['admin', 'compliance_officer', 'auditor'];
/** Roles that must sign in with a second factor whatever else the workspace adds. */
const SECOND_FACTOR_ROLES = ['admin', 'compliance_officer'] as const;

// Identification: no token valid for more than 366 days.
export const tokensBounded: Check = async (ctx) => {
  const now = ctx.now.toISOString();
  const tokens = await ctx.db
    .selectFrom('api_tokens')
    .select(['id', 'created_at', 'expires_at'])
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .execute();
  const long = tokens
    .filter((t) => Date.parse(t.expires_at) - Date.parse(t.created_at) > 366 * DAY_MS)
    .map((t) => t.id);
  return failIfAny(long, 'tokenIds', { activeTokens: tokens.length });
};

// Identification: second factor for privileged accounts (GB/T 22239 L3 identification; docs/security.md).
// The workspace must require it of admins and compliance officers (security.signIn.secondFactorRoles),
// and every enabled account in a role that requires it has one confirmed; an account without one is
// asked to enrol at its next sign-in, and until then it is reported here.
export const secondFactorPrivileged: Check = async (ctx) => {
  const required: readonly string[] = ctx.workspace.config.security.signIn.secondFactorRoles;
  const rolesNotRequired = SECOND_FACTOR_ROLES.filter((role) => !required.includes(role));
  const accounts = await ctx.db
    .selectFrom('users')
    .leftJoin('second_factors', 'second_factors.user_id', 'users.id')
    .select(['users.id as id', 'users.role as role', 'second_factors.confirmed_at as confirmedAt'])
    .where('users.role', 'in', PRIVILEGED_ROLES)
    .where('users.is_disabled', '=', 0)
    .execute();
  const notEnrolled = accounts
    .filter((a) => required.includes(a.role) && a.confirmedAt === null)
    .map((a) => a.id);
  if (rolesNotRequired.length > 0)
    return fail({ rolesNotRequired, privilegedAccounts: accounts.length, notEnrolled: notEnrolled.length });
  return failIfAny(notEnrolled, 'userIds', { privilegedAccounts: accounts.length });
};

// Identification: no enabled account idle for longer than compliance.inactiveAccountDays.
export const inactiveAccounts: Check = async (ctx) => {
  const days = ctx.workspace.config.compliance.inactiveAccountDays;
  const cutoff = daysBefore(ctx.now, days);
  const users = await ctx.db
    .selectFrom('users')
    .select(['id', 'created_at'])
    .where('is_disabled', '=', 0)
    .execute();
  const sessions = await ctx.db
    .selectFrom('sessions')
    .select(['user_id', (eb) => eb.fn.max('last_seen_at').as('last')])
    .groupBy('user_id')
    .execute();
  const tokens = await ctx.db
    .selectFrom('api_tokens')
    .select(['user_id', (eb) => eb.fn.max('last_used_at').as('last')])
    .groupBy('user_id')
    .execute();
  const last = new Map<string, string>();
  for (const row of [...sessions, ...tokens]) {
    const seen = row.last === null ? undefined : String(row.last);
    if (seen !== undefined && seen > (last.get(row.user_id) ?? '')) last.set(row.user_id, seen);
  }
  const idle = users
    .filter((u) => (last.get(u.id) ?? u.created_at) < cutoff)
    .map((u) => ({ userId: u.id, lastActivity: last.get(u.id) ?? null }));
  return failIfAny(idle, 'accounts', { enabledAccounts: users.length, inactiveAfterDays: days });
};

// Access control: maker-checker held — nobody approved their own request or holds a grant they approved.
export const separationOfDuties: Check = async (ctx) => {
  const selfApproved = await ctx.db
    .selectFrom('access_decisions as d')
    .innerJoin('access_requests as r', 'r.id', 'd.request_id')
    .select('r.id')
    .whereRef('d.approver', '=', 'r.requester')
    .where('d.decision', '=', 'approve')
    .execute();
  const grantsToApprover = await ctx.db
    .selectFrom('grants as g')
    .innerJoin('access_decisions as d', 'd.request_id', 'g.request_id')
    .select('g.id')
    .whereRef('d.approver', '=', 'g.grantee')
    .where('d.decision', '=', 'approve')
    .execute();
  const problems = [
    ...selfApproved.map((r) => ({ requestId: r.id, defect: 'approved_own_request' })),
    ...grantsToApprover.map((g) => ({ grantId: g.id, defect: 'grantee_approved_it' })),
  ];
  const decisions = await ctx.db
    .selectFrom('access_decisions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return failIfAny(problems, 'violations', { decisions: Number(decisions.n) });
};

// Access control: no grant longer than its datasets' policies allow (maxGrantDays).
export const grantsWithinMaxDuration: Check = async (ctx) => {
  const grants = await ctx.db
    .selectFrom('grants')
    .select(['id', 'datasets', 'purpose', 'created_at', 'expires_at'])
    .where('revoked_at', 'is', null)
    .execute();
  const problems = grants.flatMap((g) => {
    const datasets = jsonList(g.datasets);
    const limits = ctx.workspace.policies
      .filter((p) => p.purposes.includes(g.purpose) && datasets.some((d) => p.datasets.includes(d)))
      .map((p) => p.maxGrantDays);
    const allowed = limits.length > 0 ? Math.max(...limits) : 0;
    const days = Math.ceil((Date.parse(g.expires_at) - Date.parse(g.created_at)) / DAY_MS);
    return days > allowed ? [{ grantId: g.id, days, maxGrantDays: allowed }] : [];
  });
  return failIfAny(problems, 'grants', { unrevokedGrants: grants.length });
};

// Access control: a disabled account keeps no active grant or token.
export const disabledAccountsRevoked: Check = async (ctx) => {
  const now = ctx.now.toISOString();
  const disabled = await ctx.db
    .selectFrom('users')
    .select(['id', 'username'])
    .where('is_disabled', '=', 1)
    .execute();
  if (disabled.length === 0) return pass({ disabledAccounts: 0, count: 0 });
  const grants = await ctx.db
    .selectFrom('grants')
    .select('id')
    .where(
      'grantee',
      'in',
      disabled.map((u) => u.username),
    )
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .execute();
  const tokens = await ctx.db
    .selectFrom('api_tokens')
    .select('id')
    .where(
      'user_id',
      'in',
      disabled.map((u) => u.id),
    )
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .execute();
  const problems = [...grants.map((g) => ({ grantId: g.id })), ...tokens.map((t) => ({ tokenId: t.id }))];
  return failIfAny(problems, 'stillActive', { disabledAccounts: disabled.length });
};

// PIPL Art. 52: a protection officer is appointed — an enabled compliance officer and a contact.
export const protectionOfficerAppointed: Check = async (ctx) => {
  const officers = await ctx.db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('role', '=', 'compliance_officer')
    .where('is_disabled', '=', 0)
    .executeTakeFirstOrThrow();
  const hasContact = (ctx.workspace.config.organisation.contact ?? '').trim() !== '';
  const evidence = { complianceOfficers: Number(officers.n), hasContact };
  return evidence.complianceOfficers > 0 && hasContact ? pass(evidence) : { status: 'fail', evidence };
};
