// A workspace for governed-access tests: the pipeline test's `people` dataset (NDJSON file source,
// consent-based) plus a level-5 field, a region to filter on, two purposes and access policies.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TestDialect } from './databases.js';
import { createPipelineWorkspace } from './pipeline-workspace.js';
import type { TestWorkspace } from './workspace.js';

export const ACCESS_POLICIES = `policies:
  - name: risk-people
    roles: [analyst]
    datasets: [people]
    purposes: [credit_assessment]
    maxClearLevel: 2
    requiresApproval: true
    maxGrantDays: 30
    masks:
      - { fields: { names: [mobile] }, mask: hash }
    deny:
      - { users: [mallory], fields: { isSensitive: true } }
  - name: service-people
    roles: [data_engineer]
    datasets: [people]
    purposes: [customer_service]
    maxClearLevel: 3
    requiresApproval: false
    rowFilters:
      - where: { field: city, in: [深圳] }
`;

export async function createAccessWorkspace(
  dialect: TestDialect,
  policies = ACCESS_POLICIES,
): Promise<TestWorkspace> {
  const ws = await createPipelineWorkspace(dialect, { requireConfirmation: false });
  const w = (file: string, text: string) => writeFileSync(path.join(ws.dir, file), text);
  w(
    'purposes.yaml',
    'purposes:\n  - name: credit_assessment\n    title: 信用评估\n  - name: customer_service\n    title: 客户服务\n  - name: marketing\n    title: 营销\n',
  );
  w(
    'datasets.yaml',
    `datasets:
  - name: people
    source: people-file
    stream: people
    naturalKey: [cid]
    subjectFields: [id_no]
    purposes: [credit_assessment, customer_service]
    lawfulBasis: consent
    retention: 1y
    fields:
      cid: { type: string, required: true, category: C1 }
      name: { type: string, category: C2 }
      id_no: { type: string, required: true, category: C2, isSensitive: true }
      mobile: { type: string, category: C2 }
      city: { type: string, category: public }
      score: { type: integer }
  - name: watchlist
    source: people-file
    stream: people
    naturalKey: [cid]
    purposes: [credit_assessment]
    lawfulBasis: legal_duty
    retention: 1y
    fields:
      cid: { type: string, required: true, category: C1 }
      id_no: { type: string, category: C2, level: 5 }
`,
  );
  w(
    'policies.yaml',
    `${policies}  - name: watchlist-risk
    roles: [analyst]
    datasets: [watchlist]
    purposes: [credit_assessment]
    maxClearLevel: 5
`,
  );
  return ws;
}
