// Grants: what an approved access request gives its requester — datasets, fields, one purpose —
// until it expires (on its own, by time) or is revoked. Reads look a grant up here.

import type { Kysely, Selectable } from 'kysely';
import { type AuditTrail, type Clock, ConflictError, NotFoundError, systemClock } from '../domain/index.js';
import type { Database, GrantsTable } from '../store/index.js';

export interface Grant {
  id: string;
  requestId: string;
  grantee: string;
  datasets: string[];
  /** null: every field the policy allows. */
  fields: string[] | null;
  purpose: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  revokedBy: string | null;
  status: 'active' | 'expired' | 'revoked';
}

/** The grant a read may use, or why none: none at all, or only expired/revoked ones. */
export type GrantLookup = { grant: Grant } | { grant: undefined; hadExpired: boolean };

export class GrantService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditTrail,
    private readonly clock: Clock = systemClock,
  ) {}

  async list(filter: { grantee?: string; status?: Grant['status'] } = {}): Promise<Grant[]> {
    let query = this.db.selectFrom('grants').selectAll().orderBy('created_at', 'desc');
    if (filter.grantee !== undefined) query = query.where('grantee', '=', filter.grantee);
    const now = this.clock().toISOString();
    const grants = (await query.execute()).map((row) => toGrant(row, now));
    return filter.status === undefined ? grants : grants.filter((g) => g.status === filter.status);
  }

  async get(id: string): Promise<Grant> {
    const row = await this.db.selectFrom('grants').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError(`no grant ${id}`, { grant: id });
    return toGrant(row, this.clock().toISOString());
  }

  /** The grantee's active grant covering the dataset and purpose (the one expiring last). */
  async lookup(grantee: string, dataset: string, purpose: string): Promise<GrantLookup> {
    const now = this.clock().toISOString();
    const rows = await this.db
      .selectFrom('grants')
      .selectAll()
      .where('grantee', '=', grantee)
      .where('purpose', '=', purpose)
      .orderBy('expires_at', 'desc')
      .execute();
    const covering = rows.map((r) => toGrant(r, now)).filter((g) => g.datasets.includes(dataset));
    const active = covering.find((g) => g.status === 'active');
    return active ? { grant: active } : { grant: undefined, hadExpired: covering.length > 0 };
  }

  async revoke(id: string, actor: string): Promise<Grant> {
    const grant = await this.get(id);
    if (grant.status === 'revoked') throw new ConflictError(`grant ${id} is already revoked`, { grant: id });
    const now = this.clock().toISOString();
    await this.db
      .updateTable('grants')
      .set({ revoked_at: now, revoked_by: actor })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .execute();
    await this.audit.record([
      {
        actor,
        action: 'grant.revoke',
        target: `grant:${id}`,
        purpose: grant.purpose,
        details: { grantee: grant.grantee, datasets: grant.datasets },
      },
    ]);
    return { ...grant, revokedAt: now, revokedBy: actor, status: 'revoked' };
  }
}

export function toGrant(row: Selectable<GrantsTable>, now: string): Grant {
  return {
    id: row.id,
    requestId: row.request_id,
    grantee: row.grantee,
    datasets: JSON.parse(row.datasets) as string[],
    fields: row.fields === null ? null : (JSON.parse(row.fields) as string[]),
    purpose: row.purpose,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by,
    status: row.revoked_at !== null ? 'revoked' : row.expires_at <= now ? 'expired' : 'active',
  };
}
