// The shipped controls catalogue: valid against its schema, stable ids naming their source, every
// automated control bound to a registered check, the issue's list of clauses covered, and the
// facts' provenance marked. Broken catalogue files are refused with file, path and line.

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CATALOGUE_DIR, CHECKS, defaultCatalogue, loadCatalogue } from '../../src/compliance/index.js';
import { ConfigError, type ConfigIssue } from '../../src/domain/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function copyCatalogue(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'custos-catalogue-'));
  dirs.push(dir);
  cpSync(CATALOGUE_DIR, dir, { recursive: true });
  return dir;
}

describe('controls catalogue', () => {
  const catalogue = loadCatalogue(CATALOGUE_DIR, new Set(Object.keys(CHECKS)));

  it('covers the five frameworks and the clauses issue 18 lists', () => {
    expect(catalogue.frameworks.map((f) => f.framework)).toEqual([
      'PIPL',
      'DSL',
      'JRT0171',
      'JRT0197',
      'GBT22239',
    ]);
    const clauses = (framework: string) =>
      catalogue.controls
        .filter((c) => c.framework === framework)
        .map((c) => c.clause)
        .join(' | ');
    for (const article of [
      '13',
      '14',
      '15',
      '17',
      '21',
      '23',
      '28',
      '29',
      '38',
      '39',
      '44',
      '47',
      '51',
      '54',
      '55',
      '56',
      '57',
    ])
      expect(clauses('PIPL')).toMatch(new RegExp(`Art\\. ${article}\\b`));
    for (const article of ['21', '27', '29', '30'])
      expect(clauses('DSL')).toMatch(new RegExp(`Art\\. ${article}\\b`));
    const gbt = clauses('GBT22239');
    for (const item of [
      'identification and authentication',
      'access control',
      'security audit',
      'intrusion prevention',
      'data confidentiality',
      'backup and recovery',
      'residual information',
      'personal information protection',
    ])
      expect(gbt).toContain(item);
    expect(clauses('JRT0171')).toMatch(/C3/);
    expect(clauses('JRT0197')).toMatch(/Level/);
  });

  it('has unique ids prefixed by their framework, both languages, and a registered check per automated control', () => {
    const ids = catalogue.controls.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const control of catalogue.controls) {
      expect(control.id.startsWith(`${control.framework}-`)).toBe(true);
      expect(control.title['zh-CN']).toMatch(/[\u4e00-\u9fa5]/);
      expect(control.remediation.en.length).toBeGreaterThan(0);
      if (control.kind === 'automated') expect(CHECKS[control.check!]).toBeDefined();
    }
    expect(catalogue.controls.filter((c) => c.kind === 'automated').length).toBeGreaterThanOrEqual(30);
    // Every registered check is used by some control.
    const used = new Set(catalogue.controls.map((c) => c.check));
    expect(Object.keys(CHECKS).filter((check) => !used.has(check))).toEqual([]);
  });

  it('marks GB/T 22239, whose text is not at hand, as such and cites no clause number of it', () => {
    const gbt = catalogue.controls.filter((c) => c.framework === 'GBT22239');
    for (const control of gbt) {
      expect(control.clause).toContain('text not at hand');
      expect(control.clause).not.toMatch(/\d+\.\d+/);
    }
    expect(gbt.filter((c) => c.source.provenance === 'not_at_hand').length).toBeGreaterThan(gbt.length / 2);
  });

  it('is the catalogue the build ships', () => {
    expect(defaultCatalogue().controls.length).toBe(catalogue.controls.length);
    const build = readFileSync(path.resolve(import.meta.dirname, '../../package.json'), 'utf8');
    expect(build).toContain("cpSync('src/compliance/catalogue','dist/compliance/catalogue'");
  });

  it('is listed control by control in docs/compliance.md’s coverage table', () => {
    const doc = readFileSync(path.resolve(import.meta.dirname, '../../docs/compliance.md'), 'utf8');
    const coverage = doc.slice(doc.indexOf('## Coverage'));
    const listed = [...coverage.matchAll(/^\| `([A-Z0-9-]+)` /gm)].map((m) => m[1]);
    expect(listed).toEqual(catalogue.controls.map((c) => c.id));
  });

  it('refuses an automated control without a check, naming file, path and line', () => {
    const dir = copyCatalogue();
    const file = path.join(dir, 'dsl.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('    check: audit-log-verifies\n', ''));
    try {
      loadCatalogue(dir);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect(((error as ConfigError).details as ConfigIssue[])[0]).toMatchObject({
        file: 'dsl.yaml',
        path: expect.stringContaining('controls[1]'),
      });
      expect(((error as ConfigError).details as ConfigIssue[])[0]!.line).toEqual(expect.any(Number));
    }
  });

  it('refuses a duplicate id, an id of another framework and an unknown check', () => {
    const dir = copyCatalogue();
    const file = path.join(dir, 'jrt0197.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8')
        .replace('id: JRT0197-L4-ACCESS', 'id: JRT0197-FLOOR')
        .replace('check: levels-not-below-floor', 'check: no-such-check'),
    );
    writeFileSync(
      path.join(dir, 'dsl.yaml'),
      readFileSync(path.join(dir, 'dsl.yaml'), 'utf8').replace('id: DSL-29', 'id: PIPL-29X'),
    );
    try {
      loadCatalogue(dir, new Set(Object.keys(CHECKS)));
      expect.unreachable();
    } catch (error) {
      const messages = ((error as ConfigError).details as ConfigIssue[]).map(
        (i) => `${i.file}: ${i.message}`,
      );
      expect(messages).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/jrt0197\.yaml: duplicate control id JRT0197-FLOOR/),
          expect.stringMatching(/jrt0197\.yaml: unknown check "no-such-check"/),
          expect.stringMatching(/dsl\.yaml: id PIPL-29X does not start with its framework DSL/),
        ]),
      );
    }
  });
});
