// The package as npm sees it: every installed dependency supports the Node version Custos declares
// (so `npm install` prints no EBADENGINE warning), and every entry point package.json names exists.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  main?: string;
  bin?: Record<string, string>;
  exports?: unknown;
};
const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[]; optional?: boolean }>;
};

describe('package.json and package-lock.json', () => {
  it('lock no dependency whose engines refuse the oldest Node that package.json accepts', () => {
    const oldest = semver.minVersion(manifest.engines.node);
    expect(oldest).not.toBeNull();
    const refusing = Object.entries(lock.packages)
      .filter(([where]) => where !== '')
      .flatMap(([where, entry]) => {
        const range = !entry.engines || Array.isArray(entry.engines) ? undefined : entry.engines.node;
        if (range === undefined) return [];
        return semver.satisfies(oldest!, range) && semver.satisfies(process.versions.node, range)
          ? []
          : [`${where}@${entry.version} needs node ${range}`];
      });
    expect(refusing).toEqual([]);
  });

  it('names only entry points that exist (main, bin) once built', () => {
    if (!existsSync(path.join(ROOT, 'dist/cli/bin.js')))
      throw new Error('dist/ is missing: run `npm run build` (npm test does it) before this test');
    const entries = [...(manifest.main ? [manifest.main] : []), ...Object.values(manifest.bin ?? {})];
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.filter((file) => !existsSync(path.join(ROOT, file)))).toEqual([]);
  });
});
