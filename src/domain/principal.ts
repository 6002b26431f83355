// Who is calling: resolved from a console session or an API token, checked against a route's roles.

import type { Role } from './roles.js';

export interface Principal {
  userId: string;
  username: string;
  role: Role;
  via: 'session' | 'token' | 'cli';
  tokenId?: string;
}

/** The actor string written to the audit log. */
export function actorOf(principal: Principal | undefined): string {
  if (!principal) return 'system';
  return principal.via === 'token'
    ? `user:${principal.username}/token:${principal.tokenId}`
    : `user:${principal.username}`;
}
