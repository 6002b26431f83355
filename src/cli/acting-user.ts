// Who a data-use command acts as: the owner of the API token in CUSTOS_TOKEN. Requests, approvals
// and reads are personal acts (maker-checker compares people), so the CLI does not take a bare
// `--as NAME`: the person proves who they are with their own token, as over the API.

import type { AppContext } from '../context.js';
import type { Principal } from '../domain/index.js';
import { UsageError } from './exit-codes.js';

export async function actingUser(ctx: AppContext, env: NodeJS.ProcessEnv): Promise<Principal> {
  const token = env.CUSTOS_TOKEN;
  if (token === undefined || token === '')
    throw new UsageError(
      'set CUSTOS_TOKEN to your API token (custos token create --user YOU --name cli): this command acts as you',
    );
  const { user, tokenId } = await ctx.tokens.authenticate(token);
  return { userId: user.id, username: user.username, role: user.role, via: 'token', tokenId };
}
