// The console's build: web/dist, served by `custos serve` at `/`. Pages are split by route (lazy
// imports in src/app/pages.tsx); `npm run dev -w web` proxies /api to a running `custos serve`.

import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The whole first page stays under the budget in docs/console.md; the chunk warning is for the rest.
    chunkSizeWarningLimit: 1500,
    // No inline scripts: the server's Content-Security-Policy allows scripts from 'self' only.
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: { '/api': process.env.CUSTOS_URL ?? 'http://127.0.0.1:8750' },
  },
});
