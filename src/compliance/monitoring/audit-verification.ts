// Full audit-log verification against the keys pinned in the workspace's trust file, on a schedule
// under `custos serve` (monitoring.verifyEveryMinutes) and on demand (`custos monitor run`). Each
// result is stored (success too); a failure raises the monitor's auditVerification alert.

import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { AUDIT_TRUST_FILE, type AuditLog, readTrustFile, verifyLog } from '../../audit/index.js';
import { type Clock, isCustosError, systemClock } from '../../domain/index.js';
import type { Logger } from '../../logger.js';
import type { Database, Store } from '../../store/index.js';
import type { Workspace } from '../../workspace/index.js';
import type { MonitorRun, SecurityMonitor } from './monitor.js';

export interface AuditVerificationResult {
  id: string;
  verifiedAt: string;
  trigger: 'schedule' | 'manual';
  isOk: boolean;
  treeSize: number;
  headsChecked: number;
  /** What failed first: a verifier problem kind, or `trust_file_invalid` when the pins are unreadable. */
  problem: { kind: string; index: number } | null;
  durationMs: number;
}

export class AuditVerificationService {
  constructor(
    private readonly deps: {
      workspace: Workspace;
      store: Store;
      audit: AuditLog;
      monitor: SecurityMonitor;
      clock?: Clock;
    },
  ) {}

  /** Verifies the whole log, stores the result, and runs the monitor with it (raising on failure). */
  async verifyAndMonitor(
    trigger: AuditVerificationResult['trigger'],
  ): Promise<{ verification: AuditVerificationResult; run: MonitorRun }> {
    const verification = await this.verify(trigger);
    const run = await this.deps.monitor.run(
      verification.isOk
        ? { ok: true }
        : { ok: false, index: verification.problem!.index, kind: verification.problem!.kind },
    );
    return { verification, run };
  }

  async verify(trigger: AuditVerificationResult['trigger']): Promise<AuditVerificationResult> {
    const { workspace, store, audit } = this.deps;
    const clock = this.deps.clock ?? systemClock;
    const started = Date.now();
    let outcome: Pick<AuditVerificationResult, 'isOk' | 'treeSize' | 'headsChecked' | 'problem'>;
    try {
      const trust = readTrustFile(path.join(workspace.dir, AUDIT_TRUST_FILE), AUDIT_TRUST_FILE);
      const report = await verifyLog(store, audit.hashAlgorithm, { trust });
      outcome = {
        isOk: report.ok,
        treeSize: report.treeSize,
        headsChecked: report.headsChecked,
        problem: report.problem ? { kind: report.problem.kind, index: report.problem.index } : null,
      };
    } catch (error) {
      // Pins that cannot be read cannot vouch for the log: that is a failed verification.
      if (!isCustosError(error) || error.code !== 'config') throw error;
      outcome = {
        isOk: false,
        treeSize: 0,
        headsChecked: 0,
        problem: { kind: 'trust_file_invalid', index: -1 },
      };
    }
    const result: AuditVerificationResult = {
      id: randomUUID(),
      verifiedAt: clock().toISOString(),
      trigger,
      ...outcome,
      durationMs: Date.now() - started,
    };
    await store.db
      .insertInto('audit_verifications')
      .values({
        id: result.id,
        verified_at: result.verifiedAt,
        trigger,
        is_ok: result.isOk ? 1 : 0,
        tree_size: result.treeSize,
        heads_checked: result.headsChecked,
        problem_kind: result.problem?.kind ?? null,
        problem_index: result.problem?.index ?? null,
        duration_ms: result.durationMs,
      })
      .execute();
    return result;
  }

  /** The most recent stored result, or null when the log was never verified this way. */
  async latest(): Promise<AuditVerificationResult | null> {
    const row = await this.deps.store.db
      .selectFrom('audit_verifications')
      .selectAll()
      .orderBy('verified_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? toResult(row) : null;
  }
}

/** Runs a verification every `monitoring.verifyEveryMinutes` under `custos serve`; failures are logged. */
export function startAuditVerificationSchedule(options: {
  workspace: Workspace;
  verifications: AuditVerificationService;
  logger: Logger;
}): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    running = running.then(() =>
      options.verifications
        .verifyAndMonitor('schedule')
        .then(({ verification }) => {
          if (verification.isOk)
            options.logger.info(
              { treeSize: verification.treeSize },
              'scheduled audit-log verification passed',
            );
          else
            options.logger.error(
              { problem: verification.problem },
              'scheduled audit-log verification FAILED',
            );
        })
        .catch((error: Error) =>
          options.logger.error({ reason: error.message }, 'scheduled audit-log verification could not run'),
        ),
    );
  };
  const timer = setInterval(tick, options.workspace.config.monitoring.verifyEveryMinutes * 60_000);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}

function toResult(row: Database['audit_verifications']): AuditVerificationResult {
  return {
    id: row.id,
    verifiedAt: row.verified_at,
    trigger: row.trigger as AuditVerificationResult['trigger'],
    isOk: Number(row.is_ok) === 1,
    treeSize: Number(row.tree_size),
    headsChecked: row.heads_checked,
    problem:
      row.problem_kind === null ? null : { kind: row.problem_kind, index: Number(row.problem_index ?? -1) },
    durationMs: row.duration_ms,
  };
}
