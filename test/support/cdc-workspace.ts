// A workspace collecting the `accounts` table of a CDC partner database (test/support/cdc-partner)
// into a dataset `accounts`, through a database source in mode: cdc.

import { appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CdcPartner } from './cdc-partner.js';
import type { TestDialect } from './databases.js';
import { MASTER_ENV } from './pipeline-workspace.js';
import { createTestWorkspace, type TestWorkspace } from './workspace.js';

export interface CdcWorkspace extends TestWorkspace {
  env: Record<string, string>;
}

export async function createCdcWorkspace(
  partner: CdcPartner,
  store: TestDialect = 'sqlite',
  options: { slotPrefix?: string; batchSize?: number } = {},
): Promise<CdcWorkspace> {
  const ws = await createTestWorkspace(store);
  const w = (file: string, text: string) => writeFileSync(path.join(ws.dir, file), text);
  appendFileSync(
    path.join(ws.dir, 'custos.yaml'),
    '\negress:\n  allowPrivateNetworks: true\nclassification:\n  requireConfirmation: false\n',
  );
  w(
    'vendors.yaml',
    'vendors:\n  - name: data-co\n    legalName: 示例数据有限公司\n    assessment: { date: 2026-01-01, validUntil: 2099-12-31, result: approved }\n',
  );
  w('purposes.yaml', 'purposes:\n  - name: credit_assessment\n    title: 信用评估\n');
  w(
    'sources.yaml',
    `sources:
  - name: partner
    type: database
    vendor: data-co
    egress: { allow: [127.0.0.1], allowPrivate: true }
    dialect: ${partner.dialect}
    mode: cdc
    url: env:PARTNER_DB_URL
    batchSize: ${options.batchSize ?? 100}
    cdc: { slotPrefix: ${options.slotPrefix ?? partner.slotPrefix}, idleMs: 3000 }
    streams:
      accounts: { table: accounts, primaryKey: [id] }
`,
  );
  w(
    'datasets.yaml',
    `datasets:
  - name: accounts
    source: partner
    stream: accounts
    naturalKey: [id]
    purposes: [credit_assessment]
    lawfulBasis: contract
    retention: 1y
    fields:
      id: { type: integer, required: true, category: C1 }
      holder_name: { type: string, category: C2 }
      balance: { type: integer }
      note: { type: string }
`,
  );
  w('roles.yaml', 'roles: []\n');
  w('policies.yaml', 'policies: []\n');
  return { ...ws, env: { ...MASTER_ENV, PARTNER_DB_URL: partner.url } };
}
