// The console's two catalogues say the same things: the same keys in zh-CN and English, and every
// literal key the console's code asks for exists in both (a missing one would show the raw key).

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import en from '../../web/src/locales/en.json' with { type: 'json' };
import zhCN from '../../web/src/locales/zh-CN.json' with { type: 'json' };

const SRC = path.resolve(import.meta.dirname, '../../web/src');

/** Dotted keys; plural forms (`x_one`, `x_other`) count as `x`. */
function keys(value: unknown, prefix = ''): Set<string> {
  const out = new Set<string>();
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const full = `${prefix}${key.replace(/_(zero|one|two|few|many|other)$/, '')}`;
    if (child && typeof child === 'object') for (const k of keys(child, `${full}.`)) out.add(k);
    else out.add(full);
  }
  return out;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return /\.tsx?$/.test(name) ? [full] : [];
  });
}

describe('console catalogues', () => {
  it('have the same keys in zh-CN and English', () => {
    const zh = keys(zhCN);
    const english = keys(en);
    expect([...zh].filter((k) => !english.has(k))).toEqual([]);
    expect([...english].filter((k) => !zh.has(k))).toEqual([]);
  });

  it('hold every literal key the console asks for', () => {
    const known = keys(zhCN);
    const missing: string[] = [];
    for (const file of sources(SRC)) {
      for (const [, key] of readFileSync(file, 'utf8').matchAll(/\bt\('([a-zA-Z0-9_.-]+)'/g)) {
        if (!known.has(key!)) missing.push(`${path.relative(SRC, file)}: ${key}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
