// The subject id stored with records and used for data keys and consent: a keyed hash of the
// subject's identifier as collected (never the identifier itself). The one definition: the pipeline
// (admission, protect, demo), the read path and erasure all call it.

import type { KeyService } from './key-service.js';

export function subjectIdOf(keys: KeyService, identifier: string): string {
  return `s_${keys.blindIndex('text', identifier).slice(0, 40)}`;
}
