// Reads one YAML file keeping enough of the document to name the line of any path inside it.

import { readFileSync } from 'node:fs';
import { isNode, LineCounter, parseDocument } from 'yaml';
import type { ConfigIssue } from '../domain/index.js';

export interface YamlFile {
  /** Path as shown to people (relative to the workspace). */
  file: string;
  value: unknown;
  /** 1-based line of the node at `path`, or of its nearest existing parent. */
  lineOf(path: readonly PropertyKey[]): number | undefined;
}

export function readYamlFile(absolutePath: string, displayName: string): YamlFile | ConfigIssue {
  let text: string;
  try {
    text = readFileSync(absolutePath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    return { file: displayName, path: '', message: `cannot read file (${code})` };
  }
  const lineCounter = new LineCounter();
  // prettyErrors fills in line positions; only the error code and line are shown (the message quotes source).
  const document = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const firstError = document.errors[0];
  if (firstError) {
    const line = firstError.linePos?.[0]?.line;
    return {
      file: displayName,
      path: '',
      ...(line === undefined ? {} : { line }),
      message: `invalid YAML: ${firstError.code}`,
    };
  }
  return {
    file: displayName,
    value: document.toJS({ maxAliasCount: 100 }),
    lineOf(path) {
      for (let depth = path.length; depth >= 0; depth--) {
        const node = document.getIn(path.slice(0, depth) as unknown[], true);
        if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
      }
      return undefined;
    },
  };
}

/** `sources[3].auth.token` from a zod-style path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}
