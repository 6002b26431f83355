// Claims analysis over datasets on the governed read path: the experience summary (loss ratios,
// cycle times) and reserves (chain ladder, optionally Bornhuetter–Ferguson) from claim records.
// Published cells and origins with fewer than k claims are suppressed; every run is audited with
// purpose, grant and counts. Reserves from a triangle file (already aggregated, no subjects) use
// `reserveFromRows` and read nothing.

import { type AuditTrail, actorOf, type Principal } from '../domain/index.js';
import { bornhuetterFerguson } from './bornhuetter-ferguson.js';
import { chainLadder } from './chain-ladder.js';
import {
  type ClaimRow,
  type CycleTimes,
  cycleTimes,
  type LossRatioGroup,
  lossRatios,
  type PremiumRow,
} from './claims-experience.js';
import { hashOf } from './derived-datasets.js';
import { type AnalyticsReadDeps, numberOf, readForAnalysis, textOf } from './governed-read.js';
import { isSuppressed, kAnonymityOf, withSecondary } from './k-anonymity.js';
import { buildTriangle, type Triangle, type TriangleRow } from './triangle.js';

export interface ClaimsFields {
  amount: string;
  period: string;
  product: string;
  channel: string;
  reportedAt: string;
  settledAt: string;
}

export const DEFAULT_CLAIMS_FIELDS: ClaimsFields = {
  amount: 'amount',
  period: 'period',
  product: 'product',
  channel: 'channel',
  reportedAt: 'reported_at',
  settledAt: 'settled_at',
};

export interface ClaimsSummaryRequest {
  dataset: string;
  purpose: string;
  fields?: Partial<ClaimsFields>;
  /** The dataset of policies with their premium (and the same period, product, channel fields). */
  premiumDataset?: string;
  premiumField?: string;
  kAnonymity?: number;
}

export interface ClaimsSummary {
  dataset: string;
  premiumDataset: string | null;
  purpose: string;
  grants: string[];
  kAnonymity: number;
  claims: number;
  policies: number;
  lossRatios: LossRatioGroup[];
  cycleTimes: CycleTimes[];
}

export interface ReserveOptions {
  isCumulative: boolean;
  /** Bornhuetter–Ferguson: the a-priori loss ratio and the premium of each origin. */
  bornhuetterFerguson?: { aPrioriLossRatio: number; premiums: Record<string, number> };
}

export interface ReserveResult {
  ldfs: number[];
  origins: Array<{
    origin: string;
    latest: number | null;
    ultimate: number | null;
    ibnr: number | null;
    isSuppressed?: boolean;
  }>;
  totals: { latest: number; ultimate: number; ibnr: number };
  triangle: {
    origins: string[];
    ages: string[];
    cumulative: Array<Array<number | null>>;
    incremental: Array<Array<number | null>>;
    /** [origin, age] cells hidden by k-anonymity (dataset input only; see suppressTriangle). */
    suppressed: Array<[number, number]>;
  };
  bornhuetterFerguson: {
    aPrioriLossRatio: number;
    origins: Array<{
      origin: string;
      premium: number;
      expectedUltimate: number;
      ultimate: number | null;
      ibnr: number | null;
    }>;
    totals: { latest: number; ultimate: number; ibnr: number };
  } | null;
}

export interface ReserveRequest extends ReserveOptions {
  dataset: string;
  purpose: string;
  origin: string;
  development: string;
  value: string;
  kAnonymity?: number;
}

/** Chain ladder (and BF) over triangle rows; `kAnonymity` suppresses cells counting fewer claims. */
export function reserveFromRows(
  rows: readonly TriangleRow[],
  options: ReserveOptions & { kAnonymity?: number },
): ReserveResult {
  const triangle = buildTriangle(rows, { isCumulative: options.isCumulative });
  const cl = chainLadder(triangle);
  const cells = suppressTriangle(triangle, options.kAnonymity);
  const bf = options.bornhuetterFerguson
    ? bornhuetterFerguson(
        cl,
        new Map(Object.entries(options.bornhuetterFerguson.premiums)),
        options.bornhuetterFerguson.aPrioriLossRatio,
      )
    : null;
  const hide = <T>(table: Array<Array<T | null>>, hidden: boolean[][]) =>
    table.map((row, i) => row.map((v, j) => (hidden[i]?.[j] ? null : v)));
  return {
    ldfs: cl.ldfs,
    origins: cl.origins.map((o, i) =>
      cells.origins[i]
        ? { origin: o.origin, latest: null, ultimate: null, ibnr: null, isSuppressed: true }
        : { origin: o.origin, latest: o.latest, ultimate: o.ultimate, ibnr: o.ibnr },
    ),
    totals: cl.totals,
    triangle: {
      origins: triangle.origins,
      ages: triangle.ages,
      cumulative: hide(triangle.cumulative, cells.cumulative),
      incremental: hide(triangle.incremental, cells.incremental),
      suppressed: cells.cumulative.flatMap((row, i) =>
        row.flatMap((h, j): Array<[number, number]> => (h ? [[i, j]] : [])),
      ),
    },
    bornhuetterFerguson: bf
      ? {
          aPrioriLossRatio: options.bornhuetterFerguson?.aPrioriLossRatio ?? 0,
          origins: bf.origins.map((o, i) =>
            cells.origins[i]
              ? {
                  origin: o.origin,
                  premium: o.premium,
                  expectedUltimate: o.expectedUltimate,
                  ultimate: null,
                  ibnr: null,
                }
              : {
                  origin: o.origin,
                  premium: o.premium,
                  expectedUltimate: o.expectedUltimate,
                  ultimate: o.ultimate,
                  ibnr: o.ibnr,
                },
          ),
          totals: bf.totals,
        }
      : null,
  };
}

/**
 * Which published triangle cells and origins k-anonymity hides (claims counted per cell; a file's
 * triangle has no counts and hides nothing). Along an origin, a cell of 1..k-1 claims hides its
 * incremental and cumulative values, and the cumulative values after it stay hidden until the
 * hidden run counts k claims (the next shown cumulative minus the last shown one is then a sum over
 * k or more). A run still short of k at the diagonal hides the origin (its latest would give the
 * run back), as does an origin of fewer than k claims; one hidden origin takes the smallest other
 * along (the totals are published).
 */
function suppressTriangle(
  triangle: Triangle,
  k: number | undefined,
): { cumulative: boolean[][]; incremental: boolean[][]; origins: boolean[] } {
  const none = triangle.cumulative.map((row) => row.map(() => false));
  if (k === undefined || triangle.counts === null)
    return { cumulative: none, incremental: none, origins: triangle.origins.map(() => false) };
  const cumulative = none.map((row) => [...row]);
  const incremental = none.map((row) => [...row]);
  const primary: boolean[] = [];
  const totals: number[] = [];
  triangle.counts.forEach((row, i) => {
    let pending = 0;
    let hiding = false;
    let total = 0;
    row.forEach((count, j) => {
      if (count === null) return;
      total += count;
      if (!hiding && !isSuppressed(count, k)) return;
      hiding = true;
      pending += count;
      (incremental[i] as boolean[])[j] = true;
      if (pending >= k) {
        hiding = false;
        pending = 0;
      } else (cumulative[i] as boolean[])[j] = true;
    });
    primary.push(hiding || isSuppressed(total, k));
    totals.push(total);
  });
  const origins = withSecondary(primary, totals);
  origins.forEach((hidden, i) => {
    if (hidden) {
      cumulative[i] = (cumulative[i] ?? []).map(() => true);
      incremental[i] = (incremental[i] ?? []).map(() => true);
    }
  });
  // Cells not observed yet are null anyway: not counted as suppressed.
  triangle.cumulative.forEach((row, i) => {
    row.forEach((v, j) => {
      if (v === null) {
        (cumulative[i] as boolean[])[j] = false;
        (incremental[i] as boolean[])[j] = false;
      }
    });
  });
  return { cumulative, incremental, origins };
}

export class ClaimsService {
  constructor(private readonly deps: AnalyticsReadDeps & { audit: AuditTrail }) {}

  async summary(principal: Principal, request: ClaimsSummaryRequest): Promise<ClaimsSummary> {
    const k = kAnonymityOf(request.kAnonymity);
    const f = { ...DEFAULT_CLAIMS_FIELDS, ...request.fields };
    const declared = (dataset: string) => new Set(Object.keys(this.deps.policy.dataset(dataset).fields));
    const claimFields = declared(request.dataset);
    // Optional dimensions and dates are read when the dataset declares them; the amount is required.
    const optional = (names: string[], has: Set<string>) => names.filter((n) => has.has(n));
    const read = await readForAnalysis(this.deps, principal, {
      dataset: request.dataset,
      purpose: request.purpose,
      clear: [
        f.amount,
        ...optional([f.period, f.product, f.channel, f.reportedAt, f.settledAt], claimFields),
      ],
    });
    const claims: ClaimRow[] = read.rows.flatMap((r) => {
      const amount = numberOf(r.fields[f.amount]);
      if (amount === null) return [];
      return [
        {
          amount,
          period: periodOf(r.fields[f.period]),
          product: textOf(r.fields[f.product]),
          channel: textOf(r.fields[f.channel]),
          reportedAt: textOf(r.fields[f.reportedAt]),
          settledAt: textOf(r.fields[f.settledAt]),
        },
      ];
    });
    let premiums: PremiumRow[] = [];
    const grants = [read.grant];
    if (request.premiumDataset) {
      const premiumField = request.premiumField ?? 'premium';
      const has = declared(request.premiumDataset);
      const policies = await readForAnalysis(this.deps, principal, {
        dataset: request.premiumDataset,
        purpose: request.purpose,
        clear: [premiumField, ...optional([f.period, f.product, f.channel], has)],
      });
      grants.push(policies.grant);
      premiums = policies.rows.flatMap((r) => {
        const premium = numberOf(r.fields[premiumField]);
        return premium === null
          ? []
          : [
              {
                premium,
                period: periodOf(r.fields[f.period]),
                product: textOf(r.fields[f.product]),
                channel: textOf(r.fields[f.channel]),
              },
            ];
      });
    }
    const result: ClaimsSummary = {
      dataset: request.dataset,
      premiumDataset: request.premiumDataset ?? null,
      purpose: request.purpose,
      grants: grants.filter((g): g is string => g !== null),
      kAnonymity: k,
      claims: claims.length,
      policies: premiums.length,
      lossRatios: lossRatios(claims, premiums, k),
      cycleTimes: cycleTimes(claims, k),
    };
    await this.deps.audit.record([
      {
        actor: actorOf(principal),
        action: 'analytics.claims.summary',
        target: `dataset:${request.dataset}`,
        purpose: request.purpose,
        details: {
          grant: read.grant,
          grants: result.grants,
          premiumDataset: result.premiumDataset,
          claims: result.claims,
          policies: result.policies,
          kAnonymity: k,
          suppressed: result.lossRatios.filter((g) => g.isSuppressed).length,
          resultHash: hashOf(result),
        },
      },
    ]);
    return result;
  }

  async reserve(
    principal: Principal,
    request: ReserveRequest,
  ): Promise<ReserveResult & { grant: string | null }> {
    const k = kAnonymityOf(request.kAnonymity);
    const read = await readForAnalysis(this.deps, principal, {
      dataset: request.dataset,
      purpose: request.purpose,
      clear: [request.origin, request.development, request.value],
    });
    const rows: TriangleRow[] = read.rows.flatMap((r) => {
      const origin = periodOf(r.fields[request.origin]);
      const development = periodOf(r.fields[request.development]);
      const value = numberOf(r.fields[request.value]);
      return origin === null || development === null || value === null
        ? []
        : [{ origin, development, value, count: 1 }];
    });
    const result = reserveFromRows(rows, {
      isCumulative: request.isCumulative,
      kAnonymity: k,
      ...(request.bornhuetterFerguson ? { bornhuetterFerguson: request.bornhuetterFerguson } : {}),
    });
    await this.deps.audit.record([
      {
        actor: actorOf(principal),
        action: 'analytics.claims.reserve',
        target: `dataset:${request.dataset}`,
        purpose: request.purpose,
        details: {
          grant: read.grant,
          records: read.rows.length,
          used: rows.length,
          origins: result.origins.length,
          method: request.bornhuetterFerguson ? 'chain-ladder+bf' : 'chain-ladder',
          isCumulative: request.isCumulative,
          kAnonymity: k,
          suppressedCells: result.triangle.suppressed.length,
          resultHash: hashOf({ ldfs: result.ldfs, origins: result.origins }),
        },
      },
    ]);
    return { ...result, grant: read.grant };
  }
}

/** A period label from a field: dates become their year (accident or report year), else the text. */
function periodOf(value: unknown): string | null {
  const text = textOf(value);
  if (text === null) return null;
  return /^\d{4}-\d{2}-\d{2}/.test(text) ? text.slice(0, 4) : text;
}
