import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../domain/index.js';
import { initWorkspace } from './init.js';
import { loadWorkspace } from './workspace.js';

const DEMO = path.resolve(import.meta.dirname, '../../examples/demo');

function issuesOf(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).details;
  }
  throw new Error('expected a ConfigError');
}

describe('loadWorkspace', () => {
  let root: string;
  let dir: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'custos-wstest-'));
    dir = path.join(root, 'ws');
    initWorkspace(dir, { organisation: 'Test' });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const write = (file: string, text: string) => writeFileSync(path.join(dir, file), text);

  it('loads the demo workspace with defaults applied', () => {
    const workspace = loadWorkspace(DEMO, { env: {} });
    expect(workspace.config.crypto.suite).toBe('sm');
    expect(workspace.datasets.map((d) => d.name)).toContain('credit_reports');
    expect(workspace.storageUrl).toBe('sqlite:./data/custos.db');
  });

  it('names what a consent dataset lacks and duplicate notice versions', () => {
    write('vendors.yaml', 'vendors: []\n');
    write('sources.yaml', 'sources:\n  - name: feed\n    type: file\n    path: f.ndjson\n');
    write(
      'purposes.yaml',
      'purposes:\n  - name: p\n    title: P\n    notices:\n      - { version: v1, effective: 2026-01-01 }\n      - { version: v1, effective: 2026-02-01 }\n',
    );
    write(
      'datasets.yaml',
      `datasets:
  - name: consents
    kind: consent
    source: feed
    stream: s
    naturalKey: [purpose]
    subjectFields: []
    purposes: [p]
    lawfulBasis: consent
    retention: 1y
    fields:
      purpose: { type: string, required: true }
      action: { type: string }
      at: { type: date, required: true }
`,
    );
    const issues = issuesOf(() => loadWorkspace(dir, { env: {} }));
    expect(issues.map((i) => [i.file, i.path, i.message])).toEqual(
      expect.arrayContaining([['purposes.yaml', 'purposes[0].notices', 'notice versions must be unique']]),
    );
    // The purposes file failed: load it clean to see the dataset's own problems.
    write('purposes.yaml', 'purposes:\n  - name: p\n    title: P\n');
    const own = issuesOf(() => loadWorkspace(dir, { env: {} }));
    expect(own.map((i) => [i.path, i.message])).toEqual([
      ['datasets[0].subjectFields', 'a consent dataset names exactly one subject field (the identifier)'],
      ['datasets[0].fields.action.required', 'must be required: true'],
      ['datasets[0].fields.at.type', 'must be datetime'],
      ['datasets[0].fields.evidence', 'a consent dataset declares evidence'],
    ]);
  });

  it('loads what custos init writes', () => {
    const workspace = loadWorkspace(dir, { env: {} });
    expect(workspace.config.organisation.name).toBe('Test');
    expect(workspace.config.server.port).toBe(8750);
  });

  it('lets CUSTOS_DATABASE_URL override storage', () => {
    const workspace = loadWorkspace(dir, { env: { CUSTOS_DATABASE_URL: 'postgres://x@h/db' } });
    expect(workspace.storageUrl).toBe('postgres://x@h/db');
  });

  it('names file, path and line of a wrong type and of an unknown key', () => {
    const text = readFileSync(path.join(dir, 'custos.yaml'), 'utf8')
      .replace('port: 8750', 'port: "eighty"')
      .replace('locale: zh-CN', 'locale: zh-CN\nlocal: en');
    write('custos.yaml', text);
    const issues = issuesOf(() => loadWorkspace(dir, { env: {} }));
    const port = issues.find((i) => i.path === 'server.port');
    expect(port).toMatchObject({ file: 'custos.yaml', message: 'expected number' });
    expect(port?.line).toBe(text.split('\n').findIndex((l) => l.includes('port: "eighty"')) + 1);
    expect(issues.find((i) => i.message.includes('unknown key'))).toMatchObject({
      file: 'custos.yaml',
      message: 'unknown key: local',
    });
  });

  it('reports every problem in declaration files, with list indexes and broken references', () => {
    write(
      'datasets.yaml',
      `datasets:
  - name: loans
    source: missing-source
    stream: s
    naturalKey: [id]
    purposes: [nope]
    lawfulBasis: consent
    retention: 5y
    fields:
      id: { type: string }
  - name: Bad Name
    source: x
`,
    );
    const issues = issuesOf(() => loadWorkspace(dir, { env: {} }));
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: 'datasets.yaml', path: 'datasets[1].name', line: 11 }),
        expect.objectContaining({ file: 'datasets.yaml', path: 'datasets[1].stream' }),
        expect.objectContaining({
          file: 'datasets.yaml',
          path: 'datasets[0].source',
          message: 'unknown source "missing-source"',
        }),
        expect.objectContaining({
          file: 'datasets.yaml',
          path: 'datasets[0].purposes[0]',
          message: 'unknown purpose "nope"',
        }),
      ]),
    );
  });

  it('refuses a misspelt data category and minimisation that would drop a key or subject field', () => {
    write('purposes.yaml', 'purposes:\n  - { name: credit, title: C, needs: [identity, credit] }\n');
    write('sources.yaml', 'sources:\n  - { name: f, type: file, path: a.csv }\n');
    write(
      'datasets.yaml',
      `datasets:
  - name: loans
    source: f
    stream: a
    naturalKey: [cid]
    subjectFields: [id_no]
    purposes: [credit]
    lawfulBasis: contract
    retention: 1y
    fields:
      cid: { type: string, dataCategory: account }
      id_no: { type: string, dataCategory: identity }
      mobile: { type: string, dataCategory: contcat }
`,
    );
    const issues = issuesOf(() => loadWorkspace(dir, { env: {} }));
    expect(issues).toEqual([
      expect.objectContaining({
        file: 'datasets.yaml',
        path: 'datasets[0].fields.cid.dataCategory',
        message: 'unknown data category "account" (no purpose lists it in needs)',
      }),
      expect.objectContaining({
        file: 'datasets.yaml',
        path: 'datasets[0].fields.mobile.dataCategory',
        message: 'unknown data category "contcat" (no purpose lists it in needs)',
      }),
    ]);
    write(
      'purposes.yaml',
      'purposes:\n  - { name: credit, title: C, needs: [identity, credit] }\n  - { name: other, title: O, needs: [account, contcat] }\n',
    );
    expect(issuesOf(() => loadWorkspace(dir, { env: {} }))).toEqual([
      expect.objectContaining({
        path: 'datasets[0].fields.cid.dataCategory',
        message: 'cid identifies the record or its subject, but no purpose of the dataset needs "account"',
      }),
    ]);
  });

  it('reports invalid YAML with its line', () => {
    write('vendors.yaml', 'vendors:\n  - name: a\n   legalName: [unclosed\n');
    const issues = issuesOf(() => loadWorkspace(dir, { env: {} }));
    expect(issues[0]).toMatchObject({
      file: 'vendors.yaml',
      message: expect.stringMatching(/^invalid YAML/),
    });
    expect(issues[0]?.line).toBeGreaterThanOrEqual(2);
  });

  it('never echoes the offending value (it could be a secret)', () => {
    write(
      'custos.yaml',
      'version: 1\norganisation: { name: T }\nstorage: 12345\ncrypto: { suite: sm, demoMasterKey: short }\n',
    );
    const issues = issuesOf(() => loadWorkspace(dir, { env: {} }));
    expect(JSON.stringify(issues)).not.toContain('short');
    expect(issues.map((i) => i.path).sort()).toEqual(['crypto.demoMasterKey', 'storage']);
  });

  it('refuses a folder without custos.yaml, and a duplicate name', () => {
    expect(issuesOf(() => loadWorkspace(root, { env: {} }))[0]?.file).toBe('custos.yaml');
    write('purposes.yaml', 'purposes:\n  - { name: a, title: A }\n  - { name: a, title: B }\n');
    expect(issuesOf(() => loadWorkspace(dir, { env: {} }))).toEqual([
      expect.objectContaining({
        file: 'purposes.yaml',
        path: 'purposes[1].name',
        message: 'duplicate name "a"',
      }),
    ]);
  });

  it('refuses to init over an existing workspace', () => {
    expect(() => initWorkspace(dir, { organisation: 'again' })).toThrow(/already exists/);
  });
  it('checks access policies: items, masks and row filters name known roles and fields, filters clear ones only', () => {
    const demo = loadWorkspace(DEMO, { env: {} });
    expect(demo.policies[0]).toMatchObject({ name: 'risk-credit-assessment', maxClearLevel: 2, deny: [] });
    for (const file of [
      'custos.yaml',
      'vendors.yaml',
      'sources.yaml',
      'datasets.yaml',
      'purposes.yaml',
      'roles.yaml',
    ])
      write(file, readFileSync(path.join(DEMO, file), 'utf8'));
    write(
      'policies.yaml',
      `policies:
  - name: p
    roles: [analyst]
    datasets: [credit_reports]
    purposes: [credit_assessment]
    deny:
      - { roles: [nobody], fields: { names: [no_such_field] } }
    rowFilters:
      - where: { field: id_no, eq: "x" }
  - name: r
    roles: [analyst]
    datasets: [credit_reports]
    purposes: [credit_assessment]
    masks:
      - { fields: { names: [mobile] }, mask: rot13 }
    validity: { start: 2026-13-01, timeZone: Mars/Olympus }
  - name: q
    datasets: [credit_reports]
    purposes: [credit_assessment]
`,
    );
    const issues = issuesOf(() => loadWorkspace(dir, { env: {} }));
    const at = (p: string) => issues.find((i) => i.path === p);
    expect(at('policies[0].deny[0].roles[0]')?.message).toBe('unknown role "nobody"');
    expect(at('policies[0].deny[0].fields.names[0]')?.message).toBe('unknown field "no_such_field"');
    expect(at('policies[0].rowFilters[0].where')?.message).toMatch(/personal \(C2\)/);
    expect(at('policies[1].masks[0].mask')?.message).toMatch(/must be one of/);
    expect(at('policies[1].validity.timeZone')?.message).toBe('unknown IANA time zone');
    expect(at('policies[2].roles')?.message).toBe('a policy names at least one role or user');
    expect(issues.every((i) => i.file === 'policies.yaml')).toBe(true);
  });
});
