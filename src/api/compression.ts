// Response compression (@fastify/compress: brotli, gzip, deflate by Accept-Encoding) for the
// console's files and the API's JSON — the console's first page is mostly JavaScript, and lists
// and the OpenAPI document are long, repetitive JSON. Two kinds of answer are never compressed:
// - server-sent events (`text/event-stream` is outside the plugin's compressible types), so a
//   compressor never holds an event back;
// - answers that carry a secret — a session cookie, an API token, a TOTP secret, recovery codes —
//   marked `config: { carriesSecrets: true }` on their route. BREACH: when a compressed body holds
//   a secret beside text an attacker can choose, the compressed length leaks the secret byte by
//   byte. These answers are small, so sending them plain costs nothing.

import compress from '@fastify/compress';
import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The answer holds a secret (cookie, token, TOTP secret, recovery codes): never compressed. */
    carriesSecrets?: boolean;
  }
}

/** Smaller answers are not worth a compressor's header and time (the plugin's default too). */
const THRESHOLD_BYTES = 1024;

/** Registers compression; call before the routes (and before @fastify/static serves files). */
export async function installCompression(app: FastifyInstance): Promise<void> {
  // Runs before the plugin's own onRoute hook (hooks run in the order they were added).
  app.addHook('onRoute', (route) => {
    if (route.config?.carriesSecrets === true) route.compress = false;
  });
  // Request bodies are never compressed by our clients; inflating them would only open a way around
  // the body limit.
  await app.register(compress, { global: true, globalDecompression: false, threshold: THRESHOLD_BYTES });
}
