// The one error hierarchy of Custos. `code` is stable (API and CLI map it in one place each);
// `details` must never hold personal data: name files, fields, lines and ids, not values.

export type ErrorCode =
  | 'validation'
  | 'config'
  | 'not_found'
  | 'unauthorized'
  | 'forbidden'
  | AccessRefusalCode
  | 'conflict'
  /** A provision to a third party refused by a rule of PIPL Art. 23 (src/compliance). */
  | 'share_refused'
  | 'rate_limited'
  | 'source'
  | 'crypto'
  | 'integrity'
  | 'unavailable'
  | 'internal';

/** Why a read of personal data was refused (HTTP 403); see docs/access.md. */
export type AccessRefusalCode = 'no_policy' | 'purpose_not_allowed' | 'approval_required' | 'grant_expired';

export class CustosError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

/** Input that does not have the required shape: a request body, a CLI argument, a file's content. */
export class ValidationError extends CustosError {
  constructor(message: string, details?: unknown, options?: { cause?: unknown }) {
    super('validation', message, details, options);
  }
}

/** One problem in a workspace file: which file, where inside it, what is wrong. */
export interface ConfigIssue {
  file: string;
  path: string;
  line?: number;
  message: string;
}

/** The workspace (custos.yaml and its declaration files) is invalid; `details` lists every issue. */
export class ConfigError extends CustosError {
  declare readonly details: ConfigIssue[];
  constructor(message: string, issues: ConfigIssue[]) {
    super('config', message, issues);
  }
}

export class NotFoundError extends CustosError {
  constructor(message: string, details?: unknown) {
    super('not_found', message, details);
  }
}

/** No or invalid credentials. */
export class UnauthorizedError extends CustosError {
  constructor(message = 'authentication required', details?: unknown) {
    super('unauthorized', message, details);
  }
}

/** Authenticated, but the role or grant does not allow the action. */
export class ForbiddenError extends CustosError {
  constructor(message: string, details?: unknown) {
    super('forbidden', message, details);
  }
}

/** A read or request of personal data refused by policy, purpose or the lack of a valid grant. */
export class AccessDeniedError extends CustosError {
  declare readonly code: AccessRefusalCode;
  constructor(code: AccessRefusalCode, message: string, details?: unknown) {
    super(code, message, details);
  }
}

export class ConflictError extends CustosError {
  constructor(message: string, details?: unknown) {
    super('conflict', message, details);
  }
}

/** Too many attempts; `retryAfterSeconds` tells the caller when to try again. */
export class RateLimitedError extends CustosError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super('rate_limited', message, { retryAfterSeconds });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A third-party source failed: name the source and URL/table, never a record value. */
export class SourceError extends CustosError {
  constructor(message: string, details?: unknown, options?: { cause?: unknown }) {
    super('source', message, details, options);
  }
}

/** Encryption, decryption, key or signature failure. Never carries key material or plaintext. */
export class CryptoError extends CustosError {
  constructor(message: string, details?: unknown, options?: { cause?: unknown }) {
    super('crypto', message, details, options);
  }
}

/** Stored data disagrees with what was signed or hashed (audit log, ciphertext headers). */
export class IntegrityError extends CustosError {
  constructor(message: string, details?: unknown) {
    super('integrity', message, details);
  }
}

/** A dependency (database, key provider) is not reachable right now. */
export class UnavailableError extends CustosError {
  constructor(message: string, details?: unknown, options?: { cause?: unknown }) {
    super('unavailable', message, details, options);
  }
}

export function isCustosError(error: unknown): error is CustosError {
  return error instanceof CustosError;
}
