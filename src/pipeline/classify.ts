// Stage 2, classify: each declared field's category, level, sensitive flag and identifier kind —
// its plan, stored in field_classifications. A field seen for the first time is classified over
// the batch's values; one newly found to be C2/C3 beyond its declaration blocks the dataset until
// a compliance officer confirms it (unless the workspace turns confirmation off).

import { classifyField } from '../classify/index.js';
import { IDENTIFIER_KINDS, type IdentifierKind } from '../crypto/index.js';
import {
  type Category,
  categoryFromDeclaration,
  type EntityType,
  effectiveLevel,
  maxCategory,
} from '../domain/index.js';
import type { Store } from '../store/index.js';
import type { DatasetDeclaration } from '../workspace/index.js';
import type { ValidRecord } from './validate.js';

/** Values of a new field the classifier looks at. */
const SAMPLE_SIZE = 200;

interface FieldPlan {
  field: string;
  category: Category | null;
  sensitive: boolean;
  /** The identifier kind blind-indexed for this field, if it holds one. */
  index?: IdentifierKind;
  /** confirmed | pending */
  status: string;
}

export interface ClassificationSettings {
  requireConfirmation: boolean;
  fieldNames: Record<string, EntityType>;
}

/** The dataset's field plans, as stored and as new fields are classified during the run. */
export class FieldPlans {
  private constructor(
    private readonly db: Store['db'],
    private readonly dataset: DatasetDeclaration,
    private readonly settings: ClassificationSettings,
    /** Declared fields minimisation drops: never classified. */
    private readonly unneeded: ReadonlySet<string>,
    private readonly plans: Map<string, FieldPlan>,
  ) {}

  static async load(
    db: Store['db'],
    dataset: DatasetDeclaration,
    settings: ClassificationSettings,
    unneeded: ReadonlySet<string>,
  ): Promise<FieldPlans> {
    const rows = await db
      .selectFrom('field_classifications')
      .selectAll()
      .where('dataset', '=', dataset.name)
      .execute();
    const plans = new Map(rows.filter((r) => r.field in dataset.fields).map((r) => [r.field, planOf(r)]));
    return new FieldPlans(db, dataset, settings, unneeded, plans);
  }

  /** Fields awaiting a compliance officer's confirmation. */
  pending(): string[] {
    return [...this.plans.values()].filter((p) => p.status === 'pending').map((p) => p.field);
  }

  /**
   * Classifies the fields this batch shows for the first time, over its valid records, and stores
   * their plans. Returns the fields that now await confirmation (the run must stop).
   */
  async classifyNew(valid: ReadonlyMap<string, ValidRecord>): Promise<string[]> {
    const { dataset, settings } = this;
    const newFields = Object.keys(dataset.fields).filter((f) => !this.plans.has(f) && !this.unneeded.has(f));
    if (newFields.length === 0) return [];
    const samples = [...valid.values()].slice(0, SAMPLE_SIZE).map((v) => v.record);
    const rows = newFields.map((field) => {
      const declared = dataset.fields[field]!;
      const declaredCategory = categoryFromDeclaration(declared.category);
      const result = classifyField(
        field,
        samples.map((s) => s[field]),
        { fieldNames: settings.fieldNames, ...(declared.level ? { declaredLevel: declared.level } : {}) },
      );
      const category =
        declaredCategory === undefined ? result.category : maxCategory(declaredCategory, result.category);
      const raised =
        result.category !== null &&
        (declaredCategory === undefined || declaredCategory === null || category !== declaredCategory);
      const needsReview =
        settings.requireConfirmation && raised && (result.category === 'C2' || result.category === 'C3');
      return {
        dataset: dataset.name,
        field,
        category,
        level: effectiveLevel(category, declared.level),
        sensitive: declared.isSensitive === true || result.sensitive ? 1 : 0,
        entities: JSON.stringify(result.entities),
        confidence: Math.round(result.confidence * 1000),
        status: needsReview ? 'pending' : 'confirmed',
        confirmed_by: needsReview ? null : declaredCategory !== undefined ? 'declaration' : 'classifier',
        updated_at: new Date().toISOString(),
      };
    });
    await this.db
      .insertInto('field_classifications')
      .values(rows)
      .onConflict((oc) => oc.columns(['dataset', 'field']).doNothing())
      .execute();
    for (const row of rows) this.plans.set(row.field, planOf(row));
    return rows.filter((r) => r.status === 'pending').map((r) => r.field);
  }

  /** Whether the dataset holds sensitive personal information (PIPL Art. 28): consent must be separate. */
  hasSensitive(): boolean {
    return [...this.plans.values()].some((p) => p.sensitive);
  }

  /** Fields sealed by the protect stage: C2 and C3. */
  sealedFields(): string[] {
    return [...this.plans.entries()]
      .filter(([, p]) => p.category === 'C2' || p.category === 'C3')
      .map(([f]) => f);
  }

  /** Fields blind-indexed, with their identifier kind. */
  indexed(): Array<[field: string, kind: IdentifierKind]> {
    const out: Array<[string, IdentifierKind]> = [];
    for (const [field, p] of this.plans) if (p.index) out.push([field, p.index]);
    return out;
  }
}

function planOf(row: {
  field: string;
  category: string | null;
  sensitive: number;
  entities: string;
  status: string;
}): FieldPlan {
  const entities = JSON.parse(row.entities) as Array<{ type: EntityType; share: number }>;
  const top = entities.find((e) => IDENTIFIER_KINDS[e.type] !== undefined && e.share >= 0.5);
  return {
    field: row.field,
    category: row.category as Category | null,
    sensitive: row.sensitive === 1,
    status: row.status,
    ...(top ? { index: IDENTIFIER_KINDS[top.type]! } : {}),
  };
}
