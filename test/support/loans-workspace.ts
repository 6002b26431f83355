// A workspace for scorecard tests: the German credit data as a `loans` dataset (NDJSON file source,
// contract basis), an analyst policy that needs a grant, and a C2 field the analyst sees only masked.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TestDialect } from './databases.js';
import { GERMAN_NUMERIC, germanCredit } from './german-credit.js';
import { createPipelineWorkspace } from './pipeline-workspace.js';
import type { TestWorkspace } from './workspace.js';

/** Masked for analysts (level 3 above their clear level 2): never usable as a variable. */
export const MASKED_FIELD = 'age_in_years';

export async function createLoansWorkspace(dialect: TestDialect): Promise<TestWorkspace> {
  const ws = await createPipelineWorkspace(dialect, { requireConfirmation: false });
  const w = (file: string, text: string) => writeFileSync(path.join(ws.dir, file), text);
  const rows = germanCredit().map((r, i) => ({ loan_id: `L${String(i + 1).padStart(4, '0')}`, ...r }));
  mkdirSync(path.join(ws.dir, 'inbox'), { recursive: true });
  w('inbox/loans.ndjson', `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  w(
    'sources.yaml',
    'sources:\n  - name: loans-file\n    type: file\n    vendor: data-co\n    path: inbox/loans.ndjson\n    stream: loans\n',
  );
  w(
    'purposes.yaml',
    'purposes:\n  - name: credit_assessment\n    title: 信用评估\n  - name: marketing\n    title: 营销\n',
  );
  const fields = Object.keys(rows[0]!)
    .map((name) => {
      const type =
        name === 'loan_id'
          ? 'string'
          : (GERMAN_NUMERIC as readonly string[]).includes(name)
            ? 'integer'
            : 'string';
      const category = name === MASKED_FIELD ? 'C2' : 'C1';
      return `      ${name}: { type: ${type}, category: ${category}${name === 'loan_id' ? ', required: true' : ''} }`;
    })
    .join('\n');
  w(
    'datasets.yaml',
    `datasets:
  - name: loans
    source: loans-file
    stream: loans
    naturalKey: [loan_id]
    purposes: [credit_assessment, marketing]
    lawfulBasis: contract
    retention: 1y
    fields:
${fields}
`,
  );
  w(
    'policies.yaml',
    `policies:
  - name: risk-loans
    roles: [analyst]
    datasets: [loans]
    purposes: [credit_assessment]
    maxClearLevel: 2
    requiresApproval: true
    maxGrantDays: 30
`,
  );
  return ws;
}
