// The controls catalogue: YAML files under ./catalogue (data, not code), one per framework,
// validated at load with errors naming file, path and line. Shipped in dist/compliance/catalogue.

import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../domain/index.js';
import { formatPath, readYamlFile } from '../workspace/index.js';

export const FRAMEWORKS = ['PIPL', 'DSL', 'JRT0171', 'JRT0197', 'GBT22239'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

const localized = z.object({ 'zh-CN': z.string().min(1), en: z.string().min(1) }).strict();
export type Localized = z.infer<typeof localized>;

export const controlSchema = z
  .object({
    /** Stable: names its source (`PIPL-29`, `GBT22239-L3-CES1-07`). Never reused for another rule. */
    id: z.string().regex(/^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$/, 'must look like PIPL-29 or GBT22239-L3-CES1-07'),
    clause: z.string().min(1),
    title: localized,
    text: localized,
    kind: z.enum(['automated', 'attested', 'manual']),
    severity: z.enum(['low', 'medium', 'high', 'critical']),
    /** The automated check evaluating this control (src/compliance/checks). */
    check: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/)
      .optional(),
    remediation: localized,
    /**
     * Where the control's facts come from: `digest` — the team's digest of the text
     * (/work/shared/reference/regulations.md at the time of writing); `not_at_hand` — the
     * standard's text was not available, the wording is ours.
     */
    source: z
      .object({ provenance: z.enum(['digest', 'not_at_hand']), note: z.string().min(1).optional() })
      .strict(),
  })
  .strict()
  .refine((c) => (c.kind === 'automated') === (c.check !== undefined), {
    message: 'an automated control names its check, and only an automated one does',
    path: ['check'],
  });

export const catalogueFileSchema = z
  .object({
    framework: z.enum(FRAMEWORKS),
    document: z.string().min(1),
    title: localized,
    controls: z.array(controlSchema).min(1),
  })
  .strict();

export type ControlDefinition = z.infer<typeof controlSchema>;
export interface Control extends ControlDefinition {
  framework: Framework;
}

export interface Catalogue {
  frameworks: Array<{ framework: Framework; document: string; title: Localized }>;
  controls: Control[];
}

/** Where the shipped catalogue lives: next to this module, in src/ and in dist/ alike. */
export const CATALOGUE_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'catalogue');

let cached: Catalogue | undefined;

/** The shipped catalogue (loaded once). */
export function defaultCatalogue(): Catalogue {
  cached ??= loadCatalogue(CATALOGUE_DIR);
  return cached;
}

/** Loads and validates every `*.yaml` in `dir`; all problems are collected before failing. */
export function loadCatalogue(dir: string, knownChecks?: ReadonlySet<string>): Catalogue {
  const issues: ConfigIssue[] = [];
  const catalogue: Catalogue = { frameworks: [], controls: [] };
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  const seen = new Map<string, string>();
  for (const file of files) {
    const yamlFile = readYamlFile(path.join(dir, file), file);
    if (!('value' in yamlFile)) {
      issues.push(yamlFile);
      continue;
    }
    const parsed = catalogueFileSchema.safeParse(yamlFile.value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const line = yamlFile.lineOf(issue.path);
        issues.push({
          file,
          path: formatPath(issue.path),
          ...(line === undefined ? {} : { line }),
          message: issue.message,
        });
      }
      continue;
    }
    const { framework, document, title, controls } = parsed.data;
    catalogue.frameworks.push({ framework, document, title });
    controls.forEach((control, index) => {
      const where = ['controls', index, 'id'];
      const line = yamlFile.lineOf(where);
      const at = { file, path: formatPath(where), ...(line === undefined ? {} : { line }) };
      const prefix = control.id.split('-')[0];
      if (prefix !== framework)
        issues.push({ ...at, message: `id ${control.id} does not start with its framework ${framework}` });
      const before = seen.get(control.id);
      if (before) issues.push({ ...at, message: `duplicate control id ${control.id} (also in ${before})` });
      seen.set(control.id, file);
      if (knownChecks && control.check && !knownChecks.has(control.check))
        issues.push({ ...at, message: `unknown check "${control.check}"` });
      catalogue.controls.push({ ...control, framework });
    });
  }
  if (files.length === 0) issues.push({ file: dir, path: '', message: 'no catalogue files (*.yaml)' });
  if (issues.length > 0) throw new ConfigError(`controls catalogue has ${issues.length} problem(s)`, issues);
  const rank = (framework: Framework) => FRAMEWORKS.indexOf(framework);
  catalogue.frameworks.sort((a, b) => rank(a.framework) - rank(b.framework));
  // Array.prototype.sort is stable: controls keep their file order within a framework.
  catalogue.controls.sort((a, b) => rank(a.framework) - rank(b.framework));
  return catalogue;
}
