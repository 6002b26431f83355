// Data-use approval (审批流程): a user asks for datasets, fields, a purpose and a duration with a
// justification; compliance officers other than the requester decide (maker-checker). Enough
// approvals create a time-boxed grant; one rejection ends the request. Every step is audited —
// ids, names and counts, never the justification's text or any data value.

import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import {
  AccessDeniedError,
  type AuditEvent,
  type AuditTrail,
  type Clock,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  type Role,
  systemClock,
  ValidationError,
} from '../domain/index.js';
import type { AccessDecisionsTable, AccessRequestsTable, Database } from '../store/index.js';
import { type AccessPrincipal, reasonText } from './access-policy.js';
import type { AccessPolicyService } from './access-policy-service.js';
import { type Grant, toGrant } from './grant-service.js';

export interface NewAccessRequest {
  datasets: string[];
  fields?: string[];
  purpose: string;
  durationDays: number;
  justification: string;
}

export interface AccessRequest {
  id: string;
  requester: string;
  datasets: string[];
  fields: string[] | null;
  purpose: string;
  durationDays: number;
  justification: string;
  status: 'pending' | 'approved' | 'rejected';
  approvalsRequired: number;
  decisions: Array<{
    approver: string;
    decision: 'approve' | 'reject';
    comment: string | null;
    decidedAt: string;
  }>;
  grantId: string | null;
  createdAt: string;
  decidedAt: string | null;
}

export const MAX_JUSTIFICATION = 2000;

/** Roles that see every request and grant (and may explain any user's access); others see their own. */
export const OVERSIGHT_ROLES: readonly Role[] = ['compliance_officer', 'admin', 'auditor'];

export function canOversee(principal: AccessPrincipal): boolean {
  return OVERSIGHT_ROLES.includes(principal.role);
}

export class AccessRequestService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditTrail,
    private readonly policy: AccessPolicyService,
    private readonly clock: Clock = systemClock,
  ) {}

  async request(requester: AccessPrincipal, input: NewAccessRequest): Promise<AccessRequest> {
    const datasets = [...new Set(input.datasets)];
    if (datasets.length === 0) throw new ValidationError('name at least one dataset', { field: 'datasets' });
    const justification = input.justification.trim();
    if (justification.length < 10 || justification.length > MAX_JUSTIFICATION)
      throw new ValidationError(`the justification must be 10–${MAX_JUSTIFICATION} characters`, {
        field: 'justification',
      });
    if (!Number.isInteger(input.durationDays) || input.durationDays < 1)
      throw new ValidationError('durationDays must be a whole number of days, at least 1', {
        field: 'durationDays',
      });

    let maxDays = Number.POSITIVE_INFINITY;
    let approvalsRequired = 1;
    let needsApproval = false;
    const fieldsSeen = new Set<string>();
    for (const name of datasets) {
      const dataset = this.policy.dataset(name);
      // The same evaluation a read makes: a refusal (no_policy, purpose_not_allowed) stops the request.
      const permission = await this.policy.decide(requester, name, input.purpose);
      if (permission.refusal) {
        throw new AccessDeniedError(permission.refusal.code, reasonText(permission.refusal.reason, 'en'), {
          dataset: name,
          purpose: input.purpose,
        });
      }
      const allowed = permission.fields.filter((f) => f.access !== 'denied').map((f) => f.field);
      const wanted = input.fields?.filter((f) => Object.hasOwn(dataset.fields, f)) ?? allowed;
      for (const f of wanted) {
        fieldsSeen.add(f);
        if (!allowed.includes(f))
          throw new ValidationError(`field ${f} of ${name} is not allowed to you by any policy`, {
            dataset: name,
            field: f,
          });
      }
      const facts = await this.policy.fieldFacts(dataset);
      const coversLevel5 = facts.some((f) => wanted.includes(f.name) && f.level === 5);
      for (const policy of this.policy.policies.filter((p) => permission.policies.includes(p.name))) {
        if (!policy.requiresApproval) continue;
        needsApproval = true;
        maxDays = Math.min(maxDays, policy.maxGrantDays);
        approvalsRequired = Math.max(
          approvalsRequired,
          coversLevel5 ? policy.approvals.level5 : policy.approvals.required,
        );
      }
    }
    const unknownFields = (input.fields ?? []).filter((f) => !fieldsSeen.has(f));
    if (unknownFields.length > 0)
      throw new ValidationError(`unknown field(s): ${unknownFields.join(', ')}`, { fields: unknownFields });
    if (!needsApproval)
      throw new ValidationError('the policies allowing this read do not require approval: read it directly', {
        datasets,
      });
    if (input.durationDays > maxDays)
      throw new ValidationError(`durationDays may be at most ${maxDays} under the policy`, {
        field: 'durationDays',
        max: maxDays,
      });

    const row: Selectable<AccessRequestsTable> = {
      id: `req_${randomUUID()}`,
      requester: requester.username,
      datasets: JSON.stringify(datasets),
      fields: input.fields === undefined ? null : JSON.stringify([...new Set(input.fields)]),
      purpose: input.purpose,
      duration_days: input.durationDays,
      justification,
      status: 'pending',
      approvals_required: approvalsRequired,
      grant_id: null,
      created_at: this.clock().toISOString(),
      decided_at: null,
    };
    await this.db.insertInto('access_requests').values(row).execute();
    await this.audit.record([
      {
        actor: `user:${requester.username}`,
        action: 'access.request',
        target: `access_request:${row.id}`,
        purpose: input.purpose,
        details: {
          datasets,
          fields: input.fields ?? null,
          durationDays: input.durationDays,
          approvalsRequired,
        },
      },
    ]);
    return toRequest(row, []);
  }

  async get(id: string): Promise<AccessRequest> {
    const row = await this.db
      .selectFrom('access_requests')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new NotFoundError(`no access request ${id}`, { request: id });
    const decisions = await this.db
      .selectFrom('access_decisions')
      .selectAll()
      .where('request_id', '=', id)
      .orderBy('decided_at')
      .execute();
    return toRequest(row, decisions);
  }

  async list(
    filter: { status?: AccessRequest['status']; requester?: string } = {},
  ): Promise<AccessRequest[]> {
    let query = this.db.selectFrom('access_requests').selectAll().orderBy('created_at', 'desc');
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    if (filter.requester !== undefined) query = query.where('requester', '=', filter.requester);
    const rows = await query.execute();
    if (rows.length === 0) return [];
    const decisions = await this.db
      .selectFrom('access_decisions')
      .selectAll()
      .where(
        'request_id',
        'in',
        rows.map((r) => r.id),
      )
      .orderBy('decided_at')
      .execute();
    return rows.map((row) =>
      toRequest(
        row,
        decisions.filter((d) => d.request_id === row.id),
      ),
    );
  }

  /** One approval; the last one needed creates the grant. Nobody approves their own request. */
  async approve(
    id: string,
    approver: AccessPrincipal,
    comment?: string,
  ): Promise<{ request: AccessRequest; grant?: Grant }> {
    return this.decide(id, approver, 'approve', comment);
  }

  async reject(id: string, approver: AccessPrincipal, comment?: string): Promise<{ request: AccessRequest }> {
    return this.decide(id, approver, 'reject', comment);
  }

  private async decide(
    id: string,
    approver: AccessPrincipal,
    decision: 'approve' | 'reject',
    comment: string | undefined,
  ): Promise<{ request: AccessRequest; grant?: Grant }> {
    const now = this.clock().toISOString();
    const actor = `user:${approver.username}`;
    const outcome = await this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('access_requests').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw new NotFoundError(`no access request ${id}`, { request: id });
      // Maker-checker: the requester never decides their own request, not even to reject it.
      if (row.requester === approver.username)
        throw new ForbiddenError('nobody may approve or reject their own access request', { request: id });
      if (row.status !== 'pending')
        throw new ConflictError(`access request ${id} is already ${row.status}`, {
          request: id,
          status: row.status,
        });
      const earlier = await trx
        .selectFrom('access_decisions')
        .selectAll()
        .where('request_id', '=', id)
        .execute();
      if (earlier.some((d) => d.approver === approver.username))
        throw new ConflictError(`${approver.username} has already decided on access request ${id}`, {
          request: id,
        });
      await trx
        .insertInto('access_decisions')
        .values({
          request_id: id,
          approver: approver.username,
          decision,
          comment: comment ?? null,
          decided_at: now,
        })
        .execute();
      const approvals =
        earlier.filter((d) => d.decision === 'approve').length + (decision === 'approve' ? 1 : 0);
      let status: AccessRequest['status'] = 'pending';
      let grantRow: Selectable<Database['grants']> | undefined;
      if (decision === 'reject') status = 'rejected';
      else if (approvals >= row.approvals_required) {
        status = 'approved';
        grantRow = {
          id: `grant_${randomUUID()}`,
          request_id: id,
          grantee: row.requester,
          datasets: row.datasets,
          fields: row.fields,
          purpose: row.purpose,
          created_at: now,
          expires_at: new Date(Date.parse(now) + row.duration_days * 86_400_000).toISOString(),
          revoked_at: null,
          revoked_by: null,
        };
        await trx.insertInto('grants').values(grantRow).execute();
      }
      if (status !== 'pending') {
        // The status guard makes a concurrent decision on the same request lose instead of doubling up.
        const updated = await trx
          .updateTable('access_requests')
          .set({ status, decided_at: now, grant_id: grantRow?.id ?? null })
          .where('id', '=', id)
          .where('status', '=', 'pending')
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) !== 1)
          throw new ConflictError(`access request ${id} was decided meanwhile`, { request: id });
      }
      return { row, approvals, grantRow };
    });
    const { row, approvals, grantRow } = outcome;
    const events: AuditEvent[] = [
      {
        actor,
        action: decision === 'approve' ? 'access.approve' : 'access.reject',
        target: `access_request:${id}`,
        purpose: row.purpose,
        details: { requester: row.requester, approvals, approvalsRequired: row.approvals_required },
      },
    ];
    if (grantRow)
      events.push({
        actor,
        action: 'grant.create',
        target: `grant:${grantRow.id}`,
        purpose: row.purpose,
        // Names only: whose grant, which datasets and fields, until when.
        details: {
          grantee: row.requester,
          datasets: JSON.parse(row.datasets) as string[],
          fields: row.fields === null ? null : (JSON.parse(row.fields) as string[]),
          expiresAt: grantRow.expires_at,
        },
      });
    await this.audit.record(events);
    const request = await this.get(id);
    return grantRow ? { request, grant: toGrant(grantRow, now) } : { request };
  }
}

function toRequest(
  row: Selectable<AccessRequestsTable>,
  decisions: Array<Selectable<AccessDecisionsTable>>,
): AccessRequest {
  return {
    id: row.id,
    requester: row.requester,
    datasets: JSON.parse(row.datasets) as string[],
    fields: row.fields === null ? null : (JSON.parse(row.fields) as string[]),
    purpose: row.purpose,
    durationDays: row.duration_days,
    justification: row.justification,
    status: row.status as AccessRequest['status'],
    approvalsRequired: row.approvals_required,
    decisions: decisions.map((d) => ({
      approver: d.approver,
      decision: d.decision as 'approve' | 'reject',
      comment: d.comment,
      decidedAt: d.decided_at,
    })),
    grantId: row.grant_id,
    createdAt: row.created_at,
    decidedAt: row.decided_at,
  };
}
