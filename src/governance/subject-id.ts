// The subject id stored with records and used for data keys and consent: a keyed hash of the
// subject's identifier as collected (never the identifier itself). The pipeline computes the same.

import type { KeyService } from './key-service.js';

export function subjectIdOf(keys: KeyService, identifier: string): string {
  return `s_${keys.blindIndex('text', identifier).slice(0, 40)}`;
}
