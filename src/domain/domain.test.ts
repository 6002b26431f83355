import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PersonalFieldRegistry, REDACTED } from './log-redaction.js';
import { loginLockSeconds, MAX_LOGIN_LOCK_SECONDS } from './login-backoff.js';
import { resolveLocale, translate } from './messages/index.js';
import { parseDuration } from './time.js';

describe('login backoff', () => {
  it('allows a few attempts, then doubles the lock up to a cap', () => {
    expect([0, 1, 2].map(loginLockSeconds)).toEqual([0, 0, 0]);
    expect([3, 4, 5, 6].map(loginLockSeconds)).toEqual([1, 2, 4, 8]);
    expect(loginLockSeconds(1000)).toBe(MAX_LOGIN_LOCK_SECONDS);
  });

  it('never decreases as failures grow', () => {
    fc.assert(fc.property(fc.nat(500), (n) => loginLockSeconds(n + 1) >= loginLockSeconds(n)));
  });
});

describe('parseDuration', () => {
  it('reads s/m/h/d and refuses anything else', () => {
    expect(parseDuration('90d')).toBe(90 * 86_400_000);
    expect(parseDuration('12h')).toBe(12 * 3_600_000);
    expect(parseDuration('1w')).toBeUndefined();
    expect(parseDuration('-5m')).toBeUndefined();
  });
});

describe('PersonalFieldRegistry', () => {
  it('redacts credentials and registered personal-data keys at any depth, case-insensitively', () => {
    const registry = new PersonalFieldRegistry(['id_no', 'Mobile']);
    const out = registry.redact({
      user: 'alice',
      password: 'hunter2hunter2',
      record: { ID_NO: '11010519491231002X', nested: [{ mobile: '13912345678', ok: 1 }] },
    });
    expect(JSON.stringify(out)).not.toMatch(/hunter2|11010519491231002X|13912345678/);
    expect(out).toEqual({
      user: 'alice',
      password: REDACTED,
      record: { ID_NO: REDACTED, nested: [{ mobile: REDACTED, ok: 1 }] },
    });
  });

  it('terminates on cycles and arbitrary input', () => {
    const registry = new PersonalFieldRegistry(['secret_field']);
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(() => registry.redact(cyclic)).not.toThrow();
    fc.assert(
      fc.property(fc.jsonValue(), (value) => registry.redact(value) !== undefined || value === undefined),
    );
  });
});

describe('messages', () => {
  it('defaults to Chinese and fills placeholders', () => {
    expect(resolveLocale(undefined, 'C.UTF-8')).toBe('zh-CN');
    expect(resolveLocale('en')).toBe('en');
    expect(translate('en', 'cli.user.added', { username: 'bob', role: 'auditor' })).toBe(
      'Added user bob with role auditor',
    );
    expect(translate('zh-CN', 'cli.token.revoked', { id: 'x' })).toBe('已吊销令牌 x');
  });
});
