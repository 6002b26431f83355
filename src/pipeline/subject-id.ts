// How a data subject is named in storage, keys and consent: a keyed hash of its identifier.

import type { KeyService } from '../governance/index.js';

/** The subject id stored and used for keys and consent: a blind index, never the identifier itself. */
export function subjectIdFor(keys: KeyService, value: string): string {
  return `s_${keys.blindIndex('text', value).slice(0, 40)}`;
}
