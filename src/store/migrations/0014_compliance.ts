// Compliance management (issue 18): audit runs and their reports (PIPL Art. 54), impact
// assessments (Art. 55–56), third-party vendor reviews (第三方审查), the incident register (Art. 57)
// and attestations of controls a person vouches for. Lists and report bodies are JSON text on
// every dialect; times are ISO 8601 UTC text. None of these rows holds a data subject's value.

import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('compliance_audits')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    /** Tenths of a percent (0–1000): an integer on every dialect. */
    .addColumn('score', 'integer', (c) => c.notNull())
    /** The JSON report exactly as hashed. */
    .addColumn('report', 'text', (c) => c.notNull())
    .addColumn('report_hash', 'text', (c) => c.notNull())
    .addColumn('hash_algorithm', 'text', (c) => c.notNull())
    /** Index of the audit-log entry holding the hash (null only while it is being appended). */
    .addColumn('audit_index', 'integer')
    .execute();
  await db.schema.createIndex('compliance_audits_at_idx').on('compliance_audits').column('at').execute();

  await db.schema
    .createTable('impact_assessments')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    /** pia (PIPL Art. 55) | risk (DSL Art. 30) */
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('datasets', 'text', (c) => c.notNull())
    .addColumn('triggers', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('risks', 'text', (c) => c.notNull())
    .addColumn('measures', 'text', (c) => c.notNull())
    /** draft | approved | rejected */
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('author', 'text', (c) => c.notNull())
    .addColumn('approver', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('decided_at', 'text')
    /** Art. 56: kept at least three years after its decision. */
    .addColumn('retain_until', 'text')
    .execute();

  await db.schema
    .createTable('vendor_reviews')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('vendor', 'text', (c) => c.notNull())
    /** JSON object: question id → answer. */
    .addColumn('questionnaire', 'text', (c) => c.notNull())
    /** JSON array of { name, sha256 } of the evidence files (the files stay with the officer). */
    .addColumn('evidence', 'text', (c) => c.notNull())
    /** approved | conditional | rejected */
    .addColumn('result', 'text', (c) => c.notNull())
    .addColumn('reference', 'text')
    .addColumn('reviewed_at', 'text', (c) => c.notNull())
    .addColumn('valid_until', 'text', (c) => c.notNull())
    .addColumn('reviewer', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('vendor_reviews_vendor_idx')
    .on('vendor_reviews')
    .columns(['vendor', 'reviewed_at'])
    .execute();

  await db.schema
    .createTable('incidents')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'text', (c) => c.notNull())
    .addColumn('detected_at', 'text', (c) => c.notNull())
    .addColumn('subjects_affected', 'integer', (c) => c.notNull())
    /** JSON array of dataset names. */
    .addColumn('datasets', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('measures', 'text', (c) => c.notNull())
    /** open | closed */
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('regulator_notified_at', 'text')
    .addColumn('subjects_notified_at', 'text')
    .addColumn('closed_at', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('compliance_attestations')
    .addColumn('id', 'text', (c) => c.primaryKey().notNull())
    .addColumn('control_id', 'text', (c) => c.notNull())
    .addColumn('statement', 'text', (c) => c.notNull())
    .addColumn('evidence_ref', 'text')
    .addColumn('attested_by', 'text', (c) => c.notNull())
    .addColumn('attested_at', 'text', (c) => c.notNull())
    .addColumn('valid_until', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('compliance_attestations').execute();
  await db.schema.dropTable('incidents').execute();
  await db.schema.dropTable('vendor_reviews').execute();
  await db.schema.dropTable('impact_assessments').execute();
  await db.schema.dropTable('compliance_audits').execute();
}
