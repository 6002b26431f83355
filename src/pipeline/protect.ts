// Stage 4, protect: personal fields sealed under the subject's data key, identifiers
// blind-indexed, a keyed content hash — and held-back records sealed whole. The data keys are
// fetched (new ones made and wrapped) on this thread; the seals and keyed hashes of admitted
// records are made by protect-thread.ts, on the protect thread from a run's second batch on.

import { canonicalJson } from '../audit/index.js';
import { type KeyService, subjectIdOf } from '../governance/index.js';
import { sealingSubject } from '../store/index.js';
import { type Admitted, type AdmittedBatch, ERASED_SUBJECT } from './admit.js';
import type { FieldPlans } from './classify.js';
import { type ProtectedRecord, Protector, packKeys } from './protect-thread.js';

/** A held-back record, sealed: what quarantine keeps of it. */
export interface SealedHeld {
  /** The same record held back for the same reason is one row, whenever it is read again. */
  id: string;
  reason: string;
  detail: string;
  /** The subject whose key sealed it (`quarantine:<dataset>` when unknown). */
  subjectId: string;
  /** '' for a record of an erased subject: no copy of its values is kept. */
  sealed: string;
}

/** A batch through the protect stage; its admitted records' seals may still be in the making. */
export interface ProtectingBatch {
  admitted: Admitted[];
  held: SealedHeld[];
  /** Records of erased subjects dropped (`onErasedSubject: drop`). */
  suppressed: number;
  /** The admitted records protected, in their order: settles when the protect thread is done. */
  records: Promise<ProtectedRecord[]>;
}

export class ProtectStage {
  private readonly protector: Protector;

  /** `useThread`: seal and hash on the protect thread (a run of one batch never starts it). */
  constructor(
    private readonly keys: KeyService,
    private readonly dataset: string,
    useThread: boolean,
  ) {
    this.protector = new Protector(keys.suite, keys.blindIndexKey(), useThread);
  }

  async protect(batch: AdmittedBatch, plans: FieldPlans): Promise<ProtectingBatch> {
    const { keys, dataset } = this;
    // Held-back records first: should that fail, no data key of the batch is in hand yet. A record
    // of an erased subject keeps no copy of its values (nothing to seal, no key asked for); one
    // without a subject is sealed under its dataset's quarantine key.
    const heldSubjects = batch.held.map((h) =>
      h.subject ? subjectIdOf(keys, h.subject) : `quarantine:${dataset}`,
    );
    const toSeal = batch.held.flatMap((h, i) =>
      h.reason === ERASED_SUBJECT ? [] : [{ index: i, subjectId: heldSubjects[i]!, fields: h.raw }],
    );
    const sealedCopies = toSeal.length > 0 ? await keys.encryptMany(toSeal) : [];
    const sealedHeld = new Map(toSeal.map((item, n) => [item.index, sealedCopies[n]!]));
    const held = batch.held.map((h, i) => ({
      // A keyed hash, never content: a re-run after a kill, a lookback window or a reprocess
      // finds the row it held back before.
      id: `q_${keys.blindIndex('text', `${dataset}\u0000${h.reason}\u0000${canonicalJson(h.raw)}`).slice(0, 40)}`,
      reason: h.reason,
      detail: h.detail,
      subjectId: heldSubjects[i]!,
      sealed: sealedHeld.get(i) ?? '',
    }));

    const sealedFields = plans.sealedFields();
    const subjects = batch.admitted.map((a) => sealingSubject(dataset, a.subjectId));
    const sealingKeys =
      sealedFields.length > 0 ? await keys.sealingKeys(subjects) : new Map<string, Buffer>();
    let packed: ReturnType<typeof packKeys>;
    try {
      packed = packKeys(sealingKeys);
    } finally {
      for (const key of sealingKeys.values()) key.fill(0);
    }
    const records = this.protector.protect({
      records: batch.admitted.map((a) => a.record),
      subjects,
      sealedFields,
      indexed: plans.indexed(),
      ...packed,
    });
    return { admitted: batch.admitted, held, suppressed: batch.suppressed, records };
  }

  /** Stops the protect thread, if it was started. */
  close(): Promise<void> {
    return this.protector.close();
  }
}
