// A workspace for data-subject requests and retention: three datasets over the pipeline test's
// people file — `people` (retention 1y) and `accounts` (5y), both linking records to their subject,
// and `watchlist`, which has no subject link (a person is found there by the ID number's blind
// index only) — collected once, with officers who manage requests.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { type AppContext, openContext } from '../../src/context.js';
import type { Principal } from '../../src/domain/index.js';
import type { TestDialect } from './databases.js';
import {
  createPipelineWorkspace,
  MASTER_ENV,
  type Person,
  people,
  writePeople,
} from './pipeline-workspace.js';
import type { TestWorkspace } from './workspace.js';

export interface RightsWorkspace {
  ws: TestWorkspace;
  ctx: AppContext;
  rows: Person[];
  /** Two compliance officers (maker and checker), an admin and an analyst. */
  olga: Principal;
  oscar: Principal;
  admin: Principal;
  ana: Principal;
  close(): Promise<void>;
}

export async function createRightsWorkspace(
  dialect: TestDialect,
  options: {
    count?: number;
    datasetExtras?: Partial<Record<'people' | 'accounts' | 'watchlist', string>>;
  } = {},
): Promise<RightsWorkspace> {
  const ws = await createPipelineWorkspace(dialect, { lawfulBasis: 'contract', requireConfirmation: false });
  const w = (file: string, text: string) => writeFileSync(path.join(ws.dir, file), text);
  const extra = (name: 'people' | 'accounts' | 'watchlist') =>
    options.datasetExtras?.[name] ? `    ${options.datasetExtras[name]}\n` : '';
  w(
    'purposes.yaml',
    'purposes:\n  - name: credit_assessment\n    title: 信用评估\n  - name: customer_service\n    title: 客户服务\n',
  );
  w(
    'datasets.yaml',
    `datasets:
  - name: people
    source: people-file
    stream: people
    naturalKey: [cid]
    subjectFields: [id_no]
    purposes: [credit_assessment]
    lawfulBasis: contract
    retention: 1y
${extra('people')}    fields:
      cid: { type: string, required: true, category: C1 }
      name: { type: string, category: C2 }
      id_no: { type: string, required: true, category: C2, isSensitive: true }
      mobile: { type: string, category: C2 }
      city: { type: string, category: public }
      score: { type: integer }
  - name: accounts
    source: people-file
    stream: people
    naturalKey: [cid]
    subjectFields: [id_no]
    purposes: [customer_service]
    lawfulBasis: contract
    retention: 5y
${extra('accounts')}    fields:
      cid: { type: string, required: true, category: C1 }
      id_no: { type: string, required: true, category: C2 }
      city: { type: string, category: public }
  - name: watchlist
    source: people-file
    stream: people
    naturalKey: [cid]
    purposes: [credit_assessment]
    lawfulBasis: legal_duty
    retention: 1y
${extra('watchlist')}    fields:
      cid: { type: string, required: true, category: C1 }
      id_no: { type: string, category: C2 }
`,
  );
  w(
    'policies.yaml',
    `policies:
  - name: risk-people
    roles: [analyst]
    datasets: [people, watchlist]
    purposes: [credit_assessment]
`,
  );
  const rows = people(options.count ?? 6, 23);
  writePeople(ws.dir, rows);
  const ctx = await openContext(ws.dir, { env: MASTER_ENV, logLevel: 'silent' });
  for (const dataset of ['people', 'accounts', 'watchlist']) {
    const id = await ctx.runs.startInline(dataset, 'test');
    const summary = await ctx.runs.execute(id, 'test', { batchSize: 50 });
    if (summary.status !== 'succeeded')
      throw new Error(`collecting ${dataset}: ${summary.status} ${summary.error}`);
  }
  const principal = (username: string, role: Principal['role']): Principal => ({
    userId: username,
    username,
    role,
    via: 'session',
  });
  return {
    ws,
    ctx,
    rows,
    olga: principal('olga', 'compliance_officer'),
    oscar: principal('oscar', 'compliance_officer'),
    admin: principal('root', 'admin'),
    ana: principal('ana', 'analyst'),
    close: async () => {
      await ctx.close();
      await ws.cleanup();
    },
  };
}

export { MASTER_ENV };
