// Public face of governance: identity (users, tokens, sessions) today; consent, grants and policy later.

export {
  KeyService,
  type KeyServiceOptions,
  type KeyStatus,
  type SealItem,
  sealFields,
} from './key-service.js';
export { checkPasswordRules, hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from './password.js';
export { type SessionLimits, SessionService } from './session-service.js';
export { eraseSubject, type SubjectErasureResult } from './subject-erasure.js';
export {
  type ApiToken,
  DEFAULT_TOKEN_TTL_MS,
  MAX_TOKEN_TTL_MS,
  TOKEN_PREFIX,
  TokenService,
} from './token-service.js';
export { type NewUser, type User, UserService } from './user-service.js';
