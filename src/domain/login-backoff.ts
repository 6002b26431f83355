// Failed-login backoff: after a few free attempts, each further failure doubles the wait (capped),
// which defeats online password guessing without locking a user out for long.

export const FREE_LOGIN_ATTEMPTS = 3;
export const MAX_LOGIN_LOCK_SECONDS = 15 * 60;

/** Seconds to lock the account after `failedCount` consecutive failures (0 while attempts are free). */
export function loginLockSeconds(failedCount: number): number {
  if (failedCount < FREE_LOGIN_ATTEMPTS) return 0;
  const exponent = Math.min(failedCount - FREE_LOGIN_ATTEMPTS, 20);
  return Math.min(2 ** exponent, MAX_LOGIN_LOCK_SECONDS);
}
