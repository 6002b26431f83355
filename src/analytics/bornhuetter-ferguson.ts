// Bornhuetter–Ferguson (1972): the reserve of an origin is its a-priori expected ultimate
// (premium × expected loss ratio) times the share still to emerge, 1 − 1/CDF, with the CDFs of the
// chain ladder; ultimate = latest + that reserve.

import { ValidationError } from '../domain/index.js';
import { type ChainLadder, totalsOf } from './chain-ladder.js';

export interface BornhuetterFergusonOrigin {
  origin: string;
  latest: number;
  premium: number;
  expectedUltimate: number;
  /** Share of the ultimate not yet reported: 1 − 1/CDF. */
  unreported: number;
  ultimate: number;
  ibnr: number;
}

export function bornhuetterFerguson(
  chainLadder: ChainLadder,
  premiums: ReadonlyMap<string, number>,
  aPrioriLossRatio: number,
): { origins: BornhuetterFergusonOrigin[]; totals: { latest: number; ultimate: number; ibnr: number } } {
  if (!Number.isFinite(aPrioriLossRatio) || aPrioriLossRatio <= 0 || aPrioriLossRatio > 10)
    throw new ValidationError('the a-priori loss ratio must be a number in (0, 10]', {
      field: 'aPrioriLossRatio',
    });
  const origins = chainLadder.origins.map((o) => {
    const premium = premiums.get(o.origin);
    if (premium === undefined || !Number.isFinite(premium) || premium < 0)
      throw new ValidationError(`no premium for origin ${o.origin}`, { field: 'premium', origin: o.origin });
    const expectedUltimate = premium * aPrioriLossRatio;
    const unreported = o.cdf === 0 ? 0 : 1 - 1 / o.cdf;
    const ibnr = expectedUltimate * unreported;
    return {
      origin: o.origin,
      latest: o.latest,
      premium,
      expectedUltimate,
      unreported,
      ultimate: o.latest + ibnr,
      ibnr,
    };
  });
  return { origins, totals: totalsOf(origins) };
}
