// A workspace for pipeline tests: one NDJSON file source and one consent-based dataset of people.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Synthetic } from '../../src/classify/index.js';
import type { TestDialect } from './databases.js';
import { createTestWorkspace, type TestWorkspace } from './workspace.js';

export const MASTER_ENV = { CUSTOS_MASTER_KEY: 'pipeline-test-master-secret' };

export interface Person {
  cid: string;
  name: string;
  id_no: string;
  mobile: string;
  city: string;
  score: number;
  extra?: string;
}

export function people(count: number, seed = 9): Person[] {
  const s = new Synthetic(seed);
  return Array.from({ length: count }, (_, i) => ({
    cid: `C${String(i + 1).padStart(7, '0')}`,
    name: s.chineseName(),
    id_no: s.residentId(),
    mobile: s.mobile(),
    city: s.pick(['深圳', '杭州', '北京']),
    score: s.int(300, 850),
    extra: 'not declared',
  }));
}

export function writePeople(dir: string, rows: unknown[]): void {
  mkdirSync(path.join(dir, 'inbox'), { recursive: true });
  writeFileSync(
    path.join(dir, 'inbox', 'people.ndjson'),
    `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`,
  );
}

export async function createPipelineWorkspace(
  dialect: TestDialect = 'sqlite',
  options: {
    lawfulBasis?: string;
    vendorValidUntil?: string;
    requireConfirmation?: boolean;
    extraField?: string;
  } = {},
): Promise<TestWorkspace> {
  const ws = await createTestWorkspace(dialect);
  const w = (file: string, text: string) => writeFileSync(path.join(ws.dir, file), text);
  w(
    'vendors.yaml',
    `vendors:\n  - name: data-co\n    legalName: 示例数据有限公司\n    assessment: { date: 2026-01-01, validUntil: ${options.vendorValidUntil ?? '2099-12-31'}, result: approved }\n`,
  );
  w('purposes.yaml', 'purposes:\n  - name: credit_assessment\n    title: 信用评估\n');
  w(
    'sources.yaml',
    'sources:\n  - name: people-file\n    type: file\n    vendor: data-co\n    path: inbox/people.ndjson\n    stream: people\n',
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
    lawfulBasis: ${options.lawfulBasis ?? 'consent'}
    retention: 1y
    fields:
      cid: { type: string, required: true, category: C1 }
      name: { type: string, category: C2 }
      id_no: { type: string, required: true, category: C2, isSensitive: true }
      mobile: { type: string, category: C2 }
      city: { type: string, category: public }
      score: { type: integer }
${options.extraField ? `      ${options.extraField}: { type: string }\n` : ''}`,
  );
  w('roles.yaml', 'roles: []\n');
  w('policies.yaml', 'policies: []\n');
  if (options.requireConfirmation === false) {
    const file = path.join(ws.dir, 'custos.yaml');
    const { readFileSync } = await import('node:fs');
    writeFileSync(file, `${readFileSync(file, 'utf8')}\nclassification:\n  requireConfirmation: false\n`);
  }
  return ws;
}
