// Synthetic insurance data for the analytics tests and the demo: policies (premium, product,
// channel, issue date, customer) and claims (accident year, report and settlement dates, amount).
// Deterministic for a seed; customers come in three kinds (loyal, occasional, lapsed) so a
// segmentation has something to find. No real person is behind any row.

import { writeFileSync } from 'node:fs';

export interface PolicyRow {
  policy_no: string;
  customer_no: string;
  product: string;
  channel: string;
  issued_on: string;
  period: string;
  premium: number;
}

export interface ClaimRecord {
  claim_no: string;
  policy_no: string;
  product: string;
  channel: string;
  accident_year: string;
  reported_at: string;
  settled_at: string;
  settled_year: string;
  period: string;
  amount: number;
}

function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY = 86_400_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const PRODUCTS = ['auto', 'health', 'property'] as const;
const CHANNELS = ['agent', 'online', 'bank'] as const;

export function insuranceData(options: { customers?: number; seed?: number } = {}): {
  policies: PolicyRow[];
  claims: ClaimRecord[];
} {
  const next = random(options.seed ?? 20);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const customers = options.customers ?? 150;
  const end = Date.parse('2025-12-31');
  const policies: PolicyRow[] = [];
  for (let c = 0; c < customers; c++) {
    const kind = c % 3; // 0 loyal, 1 occasional, 2 lapsed
    const count = kind === 0 ? 6 + Math.floor(next() * 4) : kind === 1 ? 2 + Math.floor(next() * 2) : 1;
    const latest =
      end - (kind === 0 ? next() * 60 : kind === 1 ? 200 + next() * 200 : 900 + next() * 500) * DAY;
    for (let p = 0; p < count; p++) {
      const issued = latest - p * (kind === 0 ? 200 : 400) * DAY;
      const premium = Math.round((kind === 0 ? 8000 : kind === 1 ? 2500 : 600) * (0.8 + 0.4 * next()));
      policies.push({
        policy_no: `P${String(policies.length + 1).padStart(6, '0')}`,
        customer_no: `K${String(c + 1).padStart(6, '0')}`,
        product: pick(PRODUCTS),
        channel: pick(CHANNELS),
        issued_on: day(issued),
        period: day(issued).slice(0, 4),
        premium,
      });
    }
  }
  const claims: ClaimRecord[] = [];
  for (const policy of policies) {
    if (next() > 0.7) continue;
    const accident = Date.parse(policy.issued_on) + next() * 300 * DAY;
    if (accident > end - 20 * DAY) continue;
    const reported = accident + (1 + next() * 30) * DAY;
    // Most claims settle within months; some take years (the development the triangle shows).
    const lag = next();
    const settled =
      reported + (lag < 0.6 ? 10 + next() * 90 : lag < 0.85 ? 200 + next() * 400 : 600 + next() * 500) * DAY;
    if (settled > end) continue;
    const amount = Math.round(policy.premium * (0.3 + next() * 1.2));
    claims.push({
      claim_no: `C${String(claims.length + 1).padStart(6, '0')}`,
      policy_no: policy.policy_no,
      product: policy.product,
      channel: policy.channel,
      accident_year: day(accident).slice(0, 4),
      reported_at: day(reported),
      settled_at: day(settled),
      settled_year: day(settled).slice(0, 4),
      period: day(accident).slice(0, 4),
      amount,
    });
  }
  return { policies, claims };
}

export function writeCsv(file: string, rows: ReadonlyArray<object>): void {
  const columns = Object.keys(rows[0] ?? {});
  writeFileSync(
    file,
    `${[columns.join(','), ...rows.map((r) => columns.map((c) => String((r as Record<string, unknown>)[c])).join(','))].join('\n')}\n`,
  );
}

/** Declarations of the two datasets (file sources `policies-file`, `claims-file`). */
export const INSURANCE_DATASETS = `  - name: insurance_policies
    title: 保单 / insurance policies
    source: policies-file
    stream: policies
    naturalKey: [policy_no]
    purposes: [market_analysis, claims_analysis]
    lawfulBasis: contract
    retention: 5y
    fields:
      policy_no: { type: string, required: true, category: C1 }
      customer_no: { type: string, required: true, category: C2 }
      product: { type: string, category: C1 }
      channel: { type: string, category: C1 }
      issued_on: { type: date, category: C1 }
      period: { type: string, category: C1 }
      premium: { type: number, category: C1 }
  - name: insurance_claims
    title: 理赔案件 / insurance claims
    source: claims-file
    stream: claims
    naturalKey: [claim_no]
    purposes: [claims_analysis]
    lawfulBasis: contract
    retention: 5y
    fields:
      claim_no: { type: string, required: true, category: C1 }
      policy_no: { type: string, required: true, category: C1, dataCategory: policy }
      product: { type: string, category: C1, dataCategory: policy }
      channel: { type: string, category: C1, dataCategory: policy }
      accident_year: { type: string, category: C1, dataCategory: claim }
      reported_at: { type: date, category: C1, dataCategory: claim }
      settled_at: { type: date, category: C1, dataCategory: claim }
      settled_year: { type: string, category: C1, dataCategory: claim }
      period: { type: string, category: C1, dataCategory: claim }
      amount: { type: number, category: C1, dataCategory: claim }
`;

export const INSURANCE_SOURCES = `  - name: policies-file
    type: file
    description: 保单文件（合成）/ policies file (synthetic)
    path: samples/insurance-policies.csv
    stream: policies
  - name: claims-file
    type: file
    description: 理赔文件（合成）/ claims file (synthetic)
    path: samples/insurance-claims.csv
    stream: claims
`;

export const INSURANCE_POLICY = `  - name: analytics-insurance
    description: 分析师为客群细分与理赔分析使用保单与理赔数据；客户号以假名显示
    roles: [analyst]
    datasets: [insurance_policies, insurance_claims]
    purposes: [market_analysis, claims_analysis]
    # Claim amounts are classified as financial (C2, level 3): shown in clear to the analyst.
    maxClearLevel: 3
    requiresApproval: true
    masks:
      - { fields: { names: [customer_no] }, mask: hash }
`;
