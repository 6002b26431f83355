// Security monitoring rules: each a threshold over a window, evaluated over the audit log's recent
// entries and the store (runs, grants). A finding names what it is about (an address, an actor, a
// dataset, a run) and carries counts as evidence — never a personal-data value.

import type { Kysely } from 'kysely';
import type { AuditEntry } from '../../audit/index.js';
import type { Database } from '../../store/index.js';
import type { WorkspaceConfig } from '../../workspace/index.js';

export type RuleName = keyof WorkspaceConfig['monitoring']['rules'];
export type WorkingHours = WorkspaceConfig['monitoring']['workingHours'];

/** Audit actions that read personal data out of the store (the governed read path). */
const READ_ACTIONS = new Set(['records.read', 'records.get', 'records.export', 'subjects.lookup']);
export type Severity = 'low' | 'medium' | 'high' | 'critical';

export interface Finding {
  rule: RuleName;
  severity: Severity;
  /** What the finding is about, for grouping: `address:…`, `actor:…`, `run:…`, `grant:…`, `log`. */
  subject: string;
  evidence: Record<string, string | number | boolean>;
}

export interface RuleInput {
  now: Date;
  /** Audit entries of the longest window, oldest first. */
  entries: readonly AuditEntry[];
  db: Kysely<Database>;
  rules: WorkspaceConfig['monitoring']['rules'];
  /** Working hours for the out-of-hours rule (`monitoring.workingHours`). */
  workingHours: WorkingHours;
  /** Result of verifying the audit log, when this evaluation verified it. */
  verification?: { ok: boolean; index?: number; kind?: string };
}

/** The longest window among enabled rules over the audit log: how far back entries are read. */
export function auditWindowMinutes(rules: WorkspaceConfig['monitoring']['rules']): number {
  const logRules: RuleName[] = [
    'failedSignInsPerAddress',
    'failedSignInsOverall',
    'secondFactorFailures',
    'bulkRead',
    'sensitiveReadsOutOfHours',
    'refusalBurst',
  ];
  return Math.max(1, ...logRules.filter((r) => rules[r].isEnabled).map((r) => rules[r].windowMinutes));
}

export async function evaluateRules(input: RuleInput): Promise<Finding[]> {
  const { rules, now } = input;
  const since = (rule: RuleName) =>
    new Date(now.getTime() - rules[rule].windowMinutes * 60_000).toISOString();
  const within = (rule: RuleName, action: string | ((a: string) => boolean)) =>
    input.entries.filter(
      (e) => e.time >= since(rule) && (typeof action === 'string' ? e.action === action : action(e.action)),
    );
  const findings: Finding[] = [];

  if (rules.failedSignInsPerAddress.isEnabled) {
    const { threshold, windowMinutes } = rules.failedSignInsPerAddress;
    for (const [address, count] of countBy(within('failedSignInsPerAddress', 'auth.login_failed'), (e) =>
      String(e.details?.clientAddress ?? 'unknown'),
    )) {
      if (count >= threshold) {
        findings.push({
          rule: 'failedSignInsPerAddress',
          severity: 'high',
          subject: `address:${address}`,
          evidence: { failedSignIns: count, threshold, windowMinutes },
        });
      }
    }
  }
  if (rules.failedSignInsOverall.isEnabled) {
    const { threshold, windowMinutes } = rules.failedSignInsOverall;
    const failed = within('failedSignInsOverall', 'auth.login_failed');
    if (failed.length >= threshold) {
      const addresses = new Set(failed.map((e) => String(e.details?.clientAddress ?? 'unknown'))).size;
      findings.push({
        rule: 'failedSignInsOverall',
        severity: 'high',
        subject: 'all',
        evidence: { failedSignIns: failed.length, addresses, threshold, windowMinutes },
      });
    }
  }
  if (rules.secondFactorFailures.isEnabled) {
    const { threshold, windowMinutes } = rules.secondFactorFailures;
    for (const [target, count] of countBy(
      within('secondFactorFailures', 'auth.second_factor_failed'),
      (e) => e.target,
    )) {
      if (count >= threshold) {
        findings.push({
          rule: 'secondFactorFailures',
          severity: 'high',
          subject: target,
          evidence: { failedCodes: count, threshold, windowMinutes },
        });
      }
    }
  }
  if (rules.bulkRead.isEnabled) {
    // Records read, fetched and exported per actor (JR/T 0197 §7: bulk access to personal data).
    const { threshold, windowMinutes } = rules.bulkRead;
    const reads = within(
      'bulkRead',
      (a) => a === 'records.read' || a === 'records.get' || a === 'records.export',
    );
    const totals = new Map<string, { records: number; datasets: Set<string> }>();
    for (const entry of reads) {
      const total = totals.get(entry.actor) ?? { records: 0, datasets: new Set<string>() };
      total.records += Number(entry.details?.count ?? 0);
      total.datasets.add(entry.target);
      totals.set(entry.actor, total);
    }
    for (const [actor, total] of totals) {
      if (total.records >= threshold) {
        findings.push({
          rule: 'bulkRead',
          severity: 'medium',
          subject: `actor:${actor}`,
          evidence: { records: total.records, datasets: total.datasets.size, threshold, windowMinutes },
        });
      }
    }
  }
  if (rules.sensitiveReadsOutOfHours.isEnabled) {
    // JR/T 0197 §7: access to level 4–5 data is watched; outside working hours it is unusual.
    const { threshold, windowMinutes, minLevel } = rules.sensitiveReadsOutOfHours;
    const reads = within('sensitiveReadsOutOfHours', (a) => READ_ACTIONS.has(a)).filter(
      (e) =>
        Number(e.details?.maxLevel ?? 0) >= minLevel &&
        Number(e.details?.count ?? 0) > 0 &&
        !isWithinWorkingHours(new Date(e.time), input.workingHours),
    );
    const byActor = new Map<
      string,
      { reads: number; records: number; datasets: Set<string>; last: string }
    >();
    for (const entry of reads) {
      const total = byActor.get(entry.actor) ?? {
        reads: 0,
        records: 0,
        datasets: new Set<string>(),
        last: '',
      };
      total.reads += 1;
      total.records += Number(entry.details?.count ?? 0);
      total.datasets.add(entry.target);
      total.last = entry.time;
      byActor.set(entry.actor, total);
    }
    for (const [actor, total] of byActor) {
      if (total.reads >= threshold) {
        findings.push({
          rule: 'sensitiveReadsOutOfHours',
          severity: 'high',
          subject: `actor:${actor}`,
          evidence: {
            reads: total.reads,
            records: total.records,
            datasets: total.datasets.size,
            minLevel,
            lastRead: total.last,
            timeZone: input.workingHours.timeZone,
            threshold,
            windowMinutes,
          },
        });
      }
    }
  }
  if (rules.refusalBurst.isEnabled) {
    // Refused reads and routes per principal: someone probing what they may see.
    const { threshold, windowMinutes } = rules.refusalBurst;
    const refusals = within('refusalBurst', 'access.refused');
    const byActor = new Map<string, { count: number; targets: Set<string>; codes: Set<string> }>();
    for (const entry of refusals) {
      const total = byActor.get(entry.actor) ?? {
        count: 0,
        targets: new Set<string>(),
        codes: new Set<string>(),
      };
      total.count += 1;
      total.targets.add(entry.target);
      total.codes.add(String(entry.details?.code ?? 'unknown'));
      byActor.set(entry.actor, total);
    }
    for (const [actor, total] of byActor) {
      if (total.count >= threshold) {
        findings.push({
          rule: 'refusalBurst',
          severity: 'medium',
          subject: `actor:${actor}`,
          evidence: {
            refusals: total.count,
            targets: total.targets.size,
            codes: [...total.codes].sort().join(','),
            threshold,
            windowMinutes,
          },
        });
      }
    }
  }
  if (rules.tokenNewAddress.isEnabled) {
    // A token first used from an address within the window, having been used from another before:
    // a copied token. A token's very first address is not new (it has no history yet).
    const { threshold, windowMinutes } = rules.tokenNewAddress;
    const fresh = await input.db
      .selectFrom('token_addresses as fresh')
      .innerJoin('api_tokens', 'api_tokens.id', 'fresh.token_id')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .select(['fresh.token_id', 'fresh.address', 'fresh.first_seen_at', 'users.username'])
      .where('fresh.first_seen_at', '>=', since('tokenNewAddress'))
      .where(({ exists, selectFrom }) =>
        exists(
          selectFrom('token_addresses as known')
            .select('known.address')
            .whereRef('known.token_id', '=', 'fresh.token_id')
            .whereRef('known.first_seen_at', '<', 'fresh.first_seen_at'),
        ),
      )
      .orderBy('fresh.first_seen_at')
      .execute();
    const byToken = new Map<string, { owner: string; addresses: string[] }>();
    for (const row of fresh) {
      const total = byToken.get(row.token_id) ?? { owner: row.username, addresses: [] };
      total.addresses.push(row.address);
      byToken.set(row.token_id, total);
    }
    for (const [tokenId, total] of byToken) {
      if (total.addresses.length < threshold) continue;
      const known = await input.db
        .selectFrom('token_addresses')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('token_id', '=', tokenId)
        .executeTakeFirstOrThrow();
      findings.push({
        rule: 'tokenNewAddress',
        severity: 'high',
        subject: `token:${tokenId}`,
        evidence: {
          owner: total.owner,
          newAddresses: total.addresses.length,
          latestAddress: total.addresses[total.addresses.length - 1]!,
          knownAddresses: Number(known.n),
          threshold,
          windowMinutes,
        },
      });
    }
  }
  if (rules.failedRuns.isEnabled) {
    const { threshold, windowMinutes } = rules.failedRuns;
    const failed = await input.db
      .selectFrom('runs')
      .select(['dataset'])
      .where('status', '=', 'failed')
      .where('finished_at', '>=', since('failedRuns'))
      .execute();
    for (const [dataset, count] of countBy(failed, (r) => r.dataset)) {
      if (count >= threshold) {
        findings.push({
          rule: 'failedRuns',
          severity: 'medium',
          subject: `dataset:${dataset}`,
          evidence: { failedRuns: count, threshold, windowMinutes },
        });
      }
    }
  }
  if (rules.stalledRuns.isEnabled) {
    // Running, but no heartbeat for the window: the worker died or hangs.
    const { windowMinutes } = rules.stalledRuns;
    const stalled = await input.db
      .selectFrom('runs')
      .select(['id', 'dataset', 'heartbeat_at'])
      .where('status', '=', 'running')
      .where((eb) => eb.or([eb('heartbeat_at', '<', since('stalledRuns')), eb('heartbeat_at', 'is', null)]))
      .execute();
    for (const run of stalled) {
      findings.push({
        rule: 'stalledRuns',
        severity: 'medium',
        subject: `run:${run.id}`,
        evidence: { dataset: run.dataset, lastHeartbeat: run.heartbeat_at ?? 'never', windowMinutes },
      });
    }
  }
  if (rules.quarantineSpike.isEnabled) {
    const { threshold, windowMinutes } = rules.quarantineSpike;
    const runs = await input.db
      .selectFrom('runs')
      .select(['dataset', 'quarantined_count'])
      .where('started_at', '>=', since('quarantineSpike'))
      .execute();
    const byDataset = new Map<string, number>();
    for (const run of runs)
      byDataset.set(run.dataset, (byDataset.get(run.dataset) ?? 0) + Number(run.quarantined_count));
    for (const [dataset, quarantined] of byDataset) {
      if (quarantined >= threshold) {
        findings.push({
          rule: 'quarantineSpike',
          severity: 'medium',
          subject: `dataset:${dataset}`,
          evidence: { quarantined, threshold, windowMinutes },
        });
      }
    }
  }
  if (rules.grantsExpiring.isEnabled) {
    // Grants ending within the window: the owner renews or lets go, nobody is surprised.
    const { windowMinutes } = rules.grantsExpiring;
    const horizon = new Date(now.getTime() + windowMinutes * 60_000).toISOString();
    const grants = await input.db
      .selectFrom('grants')
      .select(['id', 'grantee', 'expires_at'])
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now.toISOString())
      .where('expires_at', '<=', horizon)
      .execute();
    for (const grant of grants) {
      findings.push({
        rule: 'grantsExpiring',
        severity: 'low',
        subject: `grant:${grant.id}`,
        evidence: { grantee: grant.grantee, expiresAt: grant.expires_at, windowMinutes },
      });
    }
  }
  if (rules.auditVerification.isEnabled && input.verification && !input.verification.ok) {
    findings.push({
      rule: 'auditVerification',
      severity: 'critical',
      subject: 'audit-log',
      evidence: {
        firstBadEntry: input.verification.index ?? -1,
        problem: input.verification.kind ?? 'unknown',
      },
    });
  }
  return findings;
}

/** Whether `at` falls on a working day between start (inclusive) and end (exclusive), in the zone. */
export function isWithinWorkingHours(at: Date, hours: WorkingHours): boolean {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: hours.timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const day = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(part('weekday')) + 1;
  const time = `${part('hour')}:${part('minute')}`;
  return hours.days.includes(day) && time >= hours.start && time < hours.end;
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const item of items) out.set(key(item), (out.get(key(item)) ?? 0) + 1);
  return out;
}
