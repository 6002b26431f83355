// Redaction of log objects: credentials always, and any key known to hold personal data (declared
// or classified fields). Pure; the logger applies it to every object it writes.

export const CREDENTIAL_KEYS = [
  'password',
  'newPassword',
  'token',
  'secret',
  'authorization',
  'cookie',
  'set-cookie',
  'masterKey',
  'apiKey',
  'api_key',
  'clientSecret',
  'privateKey',
] as const;

export const REDACTED = '[REDACTED]';

export class PersonalFieldRegistry {
  private readonly keys = new Set<string>();

  constructor(initial: Iterable<string> = []) {
    for (const key of CREDENTIAL_KEYS) this.keys.add(key.toLowerCase());
    this.addAll(initial);
  }

  addAll(names: Iterable<string>): void {
    for (const name of names) this.keys.add(name.toLowerCase());
  }

  has(name: string): boolean {
    return this.keys.has(name.toLowerCase());
  }

  /** A copy of `value` with every registered key's value replaced; cycles and depth are bounded. */
  redact(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
    if (value === null || typeof value !== 'object') return value;
    if (depth > 8 || seen.has(value)) return '[…]';
    seen.add(value);
    if (Array.isArray(value)) return value.map((item) => this.redact(item, depth + 1, seen));
    if (value instanceof Error) return value;
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      out[key] = this.has(key) ? REDACTED : this.redact(inner, depth + 1, seen);
    }
    return out;
  }
}
