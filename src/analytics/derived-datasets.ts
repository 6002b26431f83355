// Derived de-identified datasets: a saved analysis result whose rows are keyed by subject
// pseudonyms, with the lineage an auditor needs to say where it came from — the input datasets and
// fields, purpose, grant, parameters, and hashes of the input and of the result.

import { createHash, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { ConflictError, NotFoundError, ValidationError } from '../domain/index.js';
import type { Database } from '../store/index.js';

export interface DerivedLineage {
  inputs: Array<{ dataset: string; fields: string[]; count: number }>;
  purpose: string;
  grant: string | null;
  params: Record<string, unknown>;
  inputHash: string;
  resultHash: string;
}

export interface DerivedDataset extends DerivedLineage {
  id: string;
  name: string;
  kind: string;
  createdBy: string;
  createdAt: string;
  rowCount: number;
}

export interface DerivedRow {
  pseudonym: string;
  segment: string;
  features: Record<string, number>;
}

const NAME = /^[a-z][a-z0-9_-]{0,63}$/;

/** SHA-256 of a value's canonical JSON (object keys sorted), for lineage hashes. */
export function hashOf(value: unknown): string {
  return createHash('sha256').update(canonical(value)).digest('hex');
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

export class DerivedDatasetStore {
  constructor(private readonly db: Kysely<Database>) {}

  async save(
    name: string,
    kind: string,
    createdBy: string,
    lineage: DerivedLineage,
    rows: readonly DerivedRow[],
  ): Promise<DerivedDataset> {
    if (!NAME.test(name))
      throw new ValidationError('a derived dataset name is lower-case letters, digits, _ and - (1–64)', {
        field: 'name',
      });
    const existing = await this.db
      .selectFrom('derived_datasets')
      .select('id')
      .where('name', '=', name)
      .executeTakeFirst();
    if (existing) throw new ConflictError(`a derived dataset named ${name} exists`, { name });
    const saved: DerivedDataset = {
      id: `dd_${randomUUID()}`,
      name,
      kind,
      createdBy,
      createdAt: new Date().toISOString(),
      rowCount: rows.length,
      ...lineage,
    };
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('derived_datasets')
        .values({
          id: saved.id,
          name,
          kind,
          created_by: createdBy,
          created_at: saved.createdAt,
          purpose: lineage.purpose,
          grant_id: lineage.grant,
          inputs: JSON.stringify(lineage.inputs),
          params: JSON.stringify(lineage.params),
          input_hash: lineage.inputHash,
          result_hash: lineage.resultHash,
          row_count: rows.length,
        })
        .execute();
      for (let i = 0; i < rows.length; i += 500)
        await trx
          .insertInto('derived_rows')
          .values(
            rows.slice(i, i + 500).map((r) => ({
              derived_id: saved.id,
              pseudonym: r.pseudonym,
              segment: r.segment,
              features: JSON.stringify(r.features),
            })),
          )
          .execute();
    });
    return saved;
  }

  async get(name: string): Promise<DerivedDataset> {
    const row = await this.db
      .selectFrom('derived_datasets')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    if (!row) throw new NotFoundError(`no derived dataset named ${name}`, { name });
    return {
      id: row.id,
      name: row.name,
      kind: row.kind,
      createdBy: row.created_by,
      createdAt: row.created_at,
      rowCount: Number(row.row_count),
      inputs: JSON.parse(row.inputs) as DerivedLineage['inputs'],
      purpose: row.purpose,
      grant: row.grant_id,
      params: JSON.parse(row.params) as Record<string, unknown>,
      inputHash: row.input_hash,
      resultHash: row.result_hash,
    };
  }

  async rows(name: string): Promise<DerivedRow[]> {
    const { id } = await this.get(name);
    const rows = await this.db
      .selectFrom('derived_rows')
      .select(['pseudonym', 'segment', 'features'])
      .where('derived_id', '=', id)
      .orderBy('pseudonym')
      .execute();
    return rows.map((r) => ({
      pseudonym: r.pseudonym,
      segment: r.segment,
      features: JSON.parse(r.features) as Record<string, number>,
    }));
  }
}
