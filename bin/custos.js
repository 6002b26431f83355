#!/usr/bin/env node
// The `custos` command. Runs the compiled CLI; build first with `npm run build`.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/bin.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    'custos is not built yet: run `npm run build` (npm start and npm test do it for you)\n',
  );
  process.exit(2);
}
await import(entry.href);
