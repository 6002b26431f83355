// Looks up a declared stream by the name a caller asked for. The name comes from outside (an API
// query, a CLI argument) and may be anything — an ID number typed in the wrong field — so an
// unknown name is a 404 that never repeats it, and only the source's own keys count (no `__proto__`).

import { NotFoundError } from '../domain/index.js';

export function declaredStream<T>(streams: Record<string, T>, streamName: string, sourceName: string): T {
  if (!Object.hasOwn(streams, streamName)) throw unknownStream(sourceName);
  return streams[streamName]!;
}

export function unknownStream(sourceName: string): NotFoundError {
  return new NotFoundError(`source ${sourceName} has no stream of that name (see its streams)`, {
    source: sourceName,
  });
}
