// Who is signed in. The session itself is the server's HttpOnly cookie; the console only asks
// `GET /api/v1/auth/me`. The session ends when the server answers 401 (expired, revoked, or the
// server restarted) or when the expiry the sign-in returned passes: the user is sent to sign in
// again with a message, and comes back to the page they were on.

import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { ApiError, call, onSessionExpired } from '../api/client';
import { endpoints, type SecondFactorRequired, type SignedIn, type User } from '../api/endpoints';

const EXPIRY_KEY = 'custos.sessionExpiresAt';

interface Session {
  user: User | null;
  loading: boolean;
  /** Set when the last session ended by itself (not by signing out). */
  expired: boolean;
  /** The password step: signed in, or the second factor is needed (nothing is set then). */
  signIn(username: string, password: string): Promise<SignedIn | SecondFactorRequired>;
  /** The second step; the caller shows any recovery codes, then calls `accept`. */
  completeSecondFactor(challenge: string, code: string): Promise<SignedIn>;
  /** Makes a completed sign-in the console's session. */
  accept(result: SignedIn): void;
  signOut(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [expired, setExpired] = useState(false);
  const me = useQuery({
    queryKey: ['auth', 'me'],
    queryFn: async () => {
      try {
        return (await call(endpoints.me)).user;
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return null;
        throw error;
      }
    },
    staleTime: Number.POSITIVE_INFINITY,
    retry: false,
  });

  const end = useCallback(() => {
    sessionStorage.removeItem(EXPIRY_KEY);
    queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== 'auth' });
    queryClient.setQueryData(['auth', 'me'], null);
  }, [queryClient]);

  useEffect(
    () =>
      onSessionExpired(() => {
        if (queryClient.getQueryData(['auth', 'me'])) setExpired(true);
        end();
      }),
    [end, queryClient],
  );

  // The expiry the sign-in returned: end the session in the browser when it passes.
  const user = me.data ?? null;
  useEffect(() => {
    const at = Number(sessionStorage.getItem(EXPIRY_KEY) ?? Number.NaN);
    if (!user || Number.isNaN(at)) return;
    const timer = setTimeout(
      () => {
        setExpired(true);
        end();
      },
      Math.max(0, Math.min(at - Date.now(), 2 ** 31 - 1)),
    );
    return () => clearTimeout(timer);
  }, [user, end]);

  const accept = useCallback(
    (result: SignedIn) => {
      sessionStorage.setItem(EXPIRY_KEY, String(Date.parse(result.expiresAt)));
      setExpired(false);
      queryClient.setQueryData(['auth', 'me'], result.user);
    },
    [queryClient],
  );

  const signIn = useCallback(
    async (username: string, password: string) => {
      const result = await call(endpoints.login, { body: { username, password } });
      if (result.status === 'signed_in') accept(result);
      return result;
    },
    [accept],
  );

  const completeSecondFactor = useCallback(
    (challenge: string, code: string) => call(endpoints.secondFactor, { body: { challenge, code } }),
    [],
  );

  const signOut = useCallback(async () => {
    try {
      await call(endpoints.logout);
    } finally {
      setExpired(false);
      end();
    }
  }, [end]);

  const value = useMemo<Session>(
    () => ({ user, loading: me.isPending, expired, signIn, completeSecondFactor, accept, signOut }),
    [user, me.isPending, expired, signIn, completeSecondFactor, accept, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
