// Settings of `mode: cdc` (change data capture) for database sources, and the names Custos gives
// the replication slots and publications it manages.

import { createHash } from 'node:crypto';
import { z } from 'zod';

export const cdcSettings = z
  .object({
    /** Slots and publications Custos creates are named `<prefix>_<source>_<stream>`. */
    slotPrefix: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,19}$/, 'lower-case letters, digits and _, at most 20')
      .default('custos'),
    /** postgres: a publication the partner manages (Custos then never creates or drops one). */
    publication: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'must be a plain SQL identifier')
      .optional(),
    /**
     * A run ends once it has read what was committed when it started — or, should the server say
     * nothing at all for this long, with what it has (the next run goes on from there).
     */
    idleMs: z.number().int().min(50).max(600_000).default(10_000),
    /** Warn when the partner's server keeps more than this many bytes of log for us. */
    lagWarnBytes: z
      .number()
      .int()
      .min(1)
      .default(1024 ** 3),
    /** mysql: the replica server id to connect with (unique among the partner's replicas). */
    serverId: z.number().int().min(1).max(4_294_967_295).optional(),
  })
  .strict();
export type CdcSettings = z.infer<typeof cdcSettings>;

/** Defaults applied: `cdc:` may be left out of sources.yaml. */
export function resolveCdcSettings(raw: unknown): CdcSettings {
  return cdcSettings.parse(raw ?? {});
}

/**
 * The slot (and publication) name for a stream: PostgreSQL allows lower-case letters, digits and
 * `_`, at most 63 characters; a longer name keeps its start and a hash of the whole.
 */
export function slotName(prefix: string, source: string, stream: string): string {
  const name = `${prefix}_${source}_${stream}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  if (name.length <= 63) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 10);
  return `${name.slice(0, 52)}_${hash}`;
}
