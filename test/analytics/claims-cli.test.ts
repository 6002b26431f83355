// `custos claims reserve --triangle FILE.csv`: the JSON shape on Mack's RAA triangle, the
// --cumulative flag, usage errors and CSV errors naming file, line and column (exit 2).

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';

const FIXTURES = path.resolve(import.meta.dirname, 'fixtures');
const RAA = ['--origin', 'origin', '--development', 'development', '--value', 'values'];

describe('custos claims reserve --triangle', () => {
  it('prints { ldfs, origins: [{ origin, latest, ultimate, ibnr }] } for RAA', async () => {
    const run = await cli(['claims', 'reserve', '--triangle', 'raa.csv', ...RAA, '--cumulative', '--json'], {
      cwd: FIXTURES,
    });
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.ldfs.map((f: number) => f.toFixed(3))).toEqual([
      '2.999',
      '1.624',
      '1.271',
      '1.172',
      '1.113',
      '1.042',
      '1.033',
      '1.017',
      '1.009',
    ]);
    expect(Object.keys(result.origins[0]).sort()).toEqual(['ibnr', 'latest', 'origin', 'ultimate']);
    expect(result.origins[9]).toMatchObject({ origin: '1990', latest: 2063 });
    expect(Math.round(result.totals.ibnr)).toBe(52135);
    // Without --cumulative the same rows are increments: other factors.
    const incremental = JSON.parse(
      (await cli(['claims', 'reserve', '--triangle', 'raa.csv', ...RAA, '--json'], { cwd: FIXTURES })).stdout,
    );
    expect(incremental.ldfs[0]).not.toBeCloseTo(result.ldfs[0], 2);
  });

  it('adds Bornhuetter–Ferguson with --loss-ratio and --premiums', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'custos-bf-'));
    writeFileSync(
      path.join(dir, 'tri.csv'),
      'origin,age,paid\n2021,1,100\n2021,2,150\n2021,3,165\n2022,1,110\n2022,2,168\n2023,1,120\n',
    );
    const run = await cli(
      [
        'claims',
        'reserve',
        '--triangle',
        'tri.csv',
        '--origin',
        'origin',
        '--development',
        'age',
        '--value',
        'paid',
        '--cumulative',
        '--loss-ratio',
        '0.6',
        '--premiums',
        '2021=250,2022=260,2023=300',
        '--json',
      ],
      { cwd: dir },
    );
    expect(run.code).toBe(0);
    const bf = JSON.parse(run.stdout).bornhuetterFerguson;
    expect(bf.origins.map((o: { ibnr: number }) => Number(o.ibnr.toFixed(4)))).toEqual([0, 14.1818, 71.9383]);
  });

  it('refuses both inputs or neither, and names the file, line and column of a bad value', async () => {
    const both = await cli(
      ['claims', 'reserve', '--triangle', 'raa.csv', '--dataset', 'x', '--purpose', 'p', ...RAA],
      { cwd: FIXTURES },
    );
    expect(both.code).toBe(2);
    expect((await cli(['claims', 'reserve', ...RAA], { cwd: FIXTURES })).code).toBe(2);
    const dir = mkdtempSync(path.join(tmpdir(), 'custos-bad-'));
    writeFileSync(path.join(dir, 'bad.csv'), 'origin,development,values\n1981,1981,5012\n1981,1982,n/a\n');
    const bad = await cli(['claims', 'reserve', '--triangle', 'bad.csv', ...RAA, '--json'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout || bad.stderr).error).toMatchObject({
      code: 'validation',
      message: 'bad.csv:3: column "values" is not a number',
      details: { file: 'bad.csv', line: 3, column: 'values' },
    });
  });
});
