// The record of processing activities (个人信息处理活动记录), generated from the declarations: per
// dataset, its purposes, lawful basis, categories of personal information (with JR/T 0171 category,
// JR/T 0197 level, sensitive flag), source and vendor, retention, recipients and transfers, and
// the security measures Custos applies. Names and classifications only — no data.

import type { Workspace } from '../workspace/index.js';
import type { FieldGrade } from './checks/declarations.js';
import type { ShareSummary } from './third-party-share.js';

export interface ProcessingActivity {
  dataset: string;
  title: string | null;
  purposes: Array<{ name: string; title: string }>;
  lawfulBasis: string;
  source: { name: string; type: string };
  vendor: string | null;
  fields: Array<{
    name: string;
    category: string | null;
    level: number;
    isSensitive: boolean;
    dataCategory: string | null;
  }>;
  hasSensitive: boolean;
  retention: string;
  /** Declared provisions (Art. 23), each with what was actually shared (completed shares). */
  recipients: Array<{
    recipient: string;
    contract: string | null;
    shared: { shares: number; records: number; contracts: string[]; lastAt: string } | null;
  }>;
  crossBorder: Array<{ recipient: string; country: string; mechanism: string | null }>;
  automatedDecisions: boolean;
  measures: string[];
}

export interface ProcessingRecord {
  organisation: { name: string; contact: string | null };
  generatedAt: string;
  activities: ProcessingActivity[];
}

export function processingRecord(
  workspace: Workspace,
  grades: readonly FieldGrade[],
  now: Date,
  shares: readonly ShareSummary[] = [],
): ProcessingRecord {
  const suite = workspace.config.crypto.suite;
  return {
    organisation: {
      name: workspace.config.organisation.name,
      contact: workspace.config.organisation.contact ?? null,
    },
    generatedAt: now.toISOString(),
    activities: workspace.datasets.map((dataset) => {
      const source = workspace.sources.find((s) => s.name === dataset.source);
      const fields = Object.entries(dataset.fields).map(([name, declared]) => {
        const grade = grades.find((g) => g.dataset === dataset.name && g.field === name);
        return {
          name,
          category: grade?.category ?? null,
          level: grade?.level ?? 1,
          isSensitive: grade?.isSensitive ?? declared.isSensitive === true,
          dataCategory: declared.dataCategory ?? null,
        };
      });
      return {
        dataset: dataset.name,
        title: dataset.title ?? null,
        purposes: dataset.purposes.map((p) => ({
          name: p,
          title: workspace.purposes.find((x) => x.name === p)?.title ?? p,
        })),
        lawfulBasis: dataset.lawfulBasis,
        source: { name: dataset.source, type: source?.type ?? 'unknown' },
        vendor: dataset.vendor ?? source?.vendor ?? null,
        fields,
        hasSensitive: fields.some((f) => f.isSensitive),
        retention: dataset.retention,
        recipients: dataset.sharing.map((s) => {
          const shared = shares.find((x) => x.dataset === dataset.name && x.vendor === s.recipient);
          return {
            recipient: s.recipient,
            contract: s.contract ?? workspace.vendors.find((v) => v.name === s.recipient)?.contract ?? null,
            shared: shared
              ? {
                  shares: shared.shares,
                  records: shared.records,
                  contracts: shared.contracts,
                  lastAt: shared.lastAt,
                }
              : null,
          };
        }),
        crossBorder: dataset.crossBorder.map((t) => ({
          recipient: t.recipient,
          country: t.country,
          mechanism: t.mechanism ?? null,
        })),
        automatedDecisions: dataset.automatedDecisions,
        measures: [
          `C2/C3 fields sealed per subject (${suite === 'sm' ? 'SM4' : 'AES-256-GCM'}, envelope encryption)`,
          'blind index for lookups',
          'purpose-bound, policy-checked and audited reads',
          'verifiable audit log',
          ...(dataset.lawfulBasis === 'consent' ? ['consent checked per record at admission'] : []),
        ],
      };
    }),
  };
}
