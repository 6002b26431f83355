// Claims experience (理赔): loss ratio (claims incurred ÷ premium) by period, product and channel,
// and the cycle time of settled claims (report → settlement, days: mean, median, 90th percentile).
// Every group counting fewer than k claims (or k policies) is suppressed.

import { mean, median, quantileSorted } from 'simple-statistics';
import { hiddenCells } from './k-anonymity.js';

export const CLAIM_DIMENSIONS = ['period', 'product', 'channel'] as const;
export type ClaimDimension = (typeof CLAIM_DIMENSIONS)[number];

export interface ClaimRow {
  amount: number;
  period: string | null;
  product: string | null;
  channel: string | null;
  reportedAt: string | null;
  settledAt: string | null;
}

export interface PremiumRow {
  premium: number;
  period: string | null;
  product: string | null;
  channel: string | null;
}

export interface LossRatioGroup {
  dimension: ClaimDimension;
  value: string;
  isSuppressed: boolean;
  claims: number | null;
  incurred: number | null;
  policies: number | null;
  premium: number | null;
  /** Null when suppressed or without premium. */
  lossRatio: number | null;
}

export interface CycleTimes {
  group: string;
  isSuppressed: boolean;
  settled: number | null;
  mean: number | null;
  median: number | null;
  p90: number | null;
}

const DAY_MS = 86_400_000;
const UNKNOWN = '(none)';

export function lossRatios(
  claims: readonly ClaimRow[],
  premiums: readonly PremiumRow[],
  k: number,
): LossRatioGroup[] {
  return CLAIM_DIMENSIONS.flatMap((dimension) => {
    const groups = new Map<string, { claims: number; incurred: number; policies: number; premium: number }>();
    const at = (value: string | null) => {
      const key = value ?? UNKNOWN;
      const group = groups.get(key) ?? { claims: 0, incurred: 0, policies: 0, premium: 0 };
      groups.set(key, group);
      return group;
    };
    for (const c of claims) {
      const g = at(c[dimension]);
      g.claims += 1;
      g.incurred += c.amount;
    }
    for (const p of premiums) {
      const g = at(p[dimension]);
      g.policies += 1;
      g.premium += p.premium;
    }
    const entries = [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
    // Claims and policies are each tables whose total another dimension gives away.
    const byClaims = hiddenCells(
      entries.map(([, g]) => g.claims),
      k,
    );
    const byPolicies = hiddenCells(
      entries.map(([, g]) => g.policies),
      k,
    );
    return entries.map(([value, g], i): LossRatioGroup => {
      const hidden = byClaims[i] === true || byPolicies[i] === true;
      return hidden
        ? {
            dimension,
            value,
            isSuppressed: true,
            claims: null,
            incurred: null,
            policies: null,
            premium: null,
            lossRatio: null,
          }
        : {
            dimension,
            value,
            isSuppressed: false,
            claims: g.claims,
            incurred: g.incurred,
            policies: g.policies,
            premium: g.premium,
            lossRatio: g.premium > 0 ? g.incurred / g.premium : null,
          };
    });
  });
}

/** Days from report to settlement of settled claims: overall (`all`) and per product. */
export function cycleTimes(claims: readonly ClaimRow[], k: number): CycleTimes[] {
  const days = (c: ClaimRow): number | null => {
    if (c.reportedAt === null || c.settledAt === null) return null;
    const span = (Date.parse(c.settledAt) - Date.parse(c.reportedAt)) / DAY_MS;
    return Number.isFinite(span) && span >= 0 ? span : null;
  };
  const groups = new Map<string, number[]>([['all', []]]);
  for (const c of claims) {
    const d = days(c);
    if (d === null) continue;
    groups.get('all')?.push(d);
    const key = `product:${c.product ?? UNKNOWN}`;
    groups.set(key, [...(groups.get(key) ?? []), d]);
  }
  const entries = [...groups.entries()];
  // Per product: `all` is their total (count × mean), so one hidden product takes another along.
  const products = hiddenCells(
    entries.slice(1).map(([, values]) => values.length),
    k,
  );
  return entries.map(([group, values], i) => {
    const hidden = i === 0 ? values.length > 0 && values.length < k : products[i - 1] === true;
    if (values.length === 0 || hidden)
      return {
        group,
        isSuppressed: values.length > 0,
        settled: values.length > 0 ? null : 0,
        mean: null,
        median: null,
        p90: null,
      };
    const sorted = [...values].sort((a, b) => a - b);
    return {
      group,
      isSuppressed: false,
      settled: values.length,
      mean: mean(sorted),
      median: median(sorted),
      p90: quantileSorted(sorted, 0.9),
    };
  });
}
