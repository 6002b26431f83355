// Preload for a spawned `node`: records the URL of every module the process loads (ESM and
// CommonJS) into the file named by CUSTOS_MODULE_TRACE, one per line, so a test can tell which
// modules a command loads. Used as `node --import ./test/support/module-trace.mjs …`.

import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';
import { pathToFileURL } from 'node:url';

const file = process.env.CUSTOS_MODULE_TRACE;
if (file) {
  register('./module-trace-hooks.mjs', import.meta.url, { data: { file } });
  // CommonJS modules loaded by require() never pass the ESM hooks.
  const load = Module._load;
  Module._load = function traced(request, parent, isMain) {
    const loaded = load.call(this, request, parent, isMain);
    try {
      const resolved = Module._resolveFilename(request, parent, isMain);
      if (resolved.startsWith('/')) appendFileSync(file, `${pathToFileURL(resolved).href}\n`);
    } catch {
      // A built-in module (node:fs…) has no file: nothing to record.
    }
    return loaded;
  };
}
