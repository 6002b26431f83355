// The explanation of processing rules a person may ask for (PIPL Art. 48), generated from the
// workspace's declarations — never written by hand, so it cannot drift from what Custos does: for
// each dataset, its purposes, lawful basis, the categories of personal information it holds,
// whether any is sensitive, how long it is kept, where it comes from and who may receive it.

import type { Workspace } from '../workspace/index.js';

export interface DatasetExplanation {
  dataset: string;
  title: string | null;
  purposes: Array<{ name: string; title: string; description: string | null }>;
  lawfulBasis: string;
  /** Fields by JR/T 0171 category (`public` and undeclared fields under `other`). */
  categories: { C1: string[]; C2: string[]; C3: string[]; other: string[] };
  /** Fields declared sensitive personal information (PIPL Art. 28). */
  sensitiveFields: string[];
  /** How long records are kept (`5y`), and from what: collection or a named date field. */
  retention: { period: string; from: string };
  /** Where the data comes from: the source's vendor (partner), when declared. */
  providedBy: { vendor: string; legalName: string } | null;
  /**
   * Who may receive the data inside the organisation: the roles and named users of the access
   * policies covering the dataset, with the purposes they may read it for.
   */
  recipients: Array<{ policy: string; roles: string[]; users: string[]; purposes: string[] }>;
  /** Whether this person's data is held in it (counts of records), when asked for a person. */
  recordsHeld?: number;
}

export function explainProcessing(
  workspace: Workspace,
  held?: ReadonlyMap<string, number>,
): DatasetExplanation[] {
  return workspace.datasets.map((dataset) => {
    const categories: DatasetExplanation['categories'] = { C1: [], C2: [], C3: [], other: [] };
    for (const [name, field] of Object.entries(dataset.fields)) {
      const category = field.category;
      if (category === 'C1' || category === 'C2' || category === 'C3') categories[category].push(name);
      else categories.other.push(name);
    }
    const source = workspace.sources.find((s) => s.name === dataset.source);
    const vendorName = dataset.vendor ?? source?.vendor;
    const vendor = vendorName ? workspace.vendors.find((v) => v.name === vendorName) : undefined;
    return {
      dataset: dataset.name,
      title: dataset.title ?? null,
      purposes: dataset.purposes.map((name) => {
        const purpose = workspace.purposes.find((p) => p.name === name);
        return { name, title: purpose?.title ?? name, description: purpose?.description ?? null };
      }),
      lawfulBasis: dataset.lawfulBasis,
      categories,
      sensitiveFields: Object.entries(dataset.fields)
        .filter(([, f]) => f.isSensitive === true)
        .map(([name]) => name),
      retention: { period: dataset.retention, from: dataset.retentionFrom ?? 'collection' },
      providedBy: vendor ? { vendor: vendor.name, legalName: vendor.legalName } : null,
      recipients: workspace.policies
        .filter((p) => p.datasets.includes(dataset.name))
        .map((p) => ({
          policy: p.name,
          roles: p.roles,
          users: p.users,
          purposes: p.purposes.filter((name) => dataset.purposes.includes(name)),
        })),
      ...(held ? { recordsHeld: held.get(dataset.name) ?? 0 } : {}),
    };
  });
}
