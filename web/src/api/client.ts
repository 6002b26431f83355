// The one way the console talks to the API: `call(endpoints.x, { params, query, body })`, typed by
// the endpoint (src/api/endpoints.ts). The session is the HttpOnly cookie set at sign-in; a 401 on
// any call but the sign-in itself means the session has ended, and `onSessionExpired` listeners
// (src/app/session.tsx) send the user back to sign in.

import type { Endpoint } from './endpoints';

/** An error the API answered with (its body `{ error: { code, message, details } }`), or a network failure. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Listener = () => void;
const expiredListeners = new Set<Listener>();

/** Called when the server answers 401 to a signed-in call; returns the unsubscribe function. */
export function onSessionExpired(listener: Listener): () => void {
  expiredListeners.add(listener);
  return () => expiredListeners.delete(listener);
}

type Args<P, Q, B> = (P extends undefined ? { params?: undefined } : { params: P }) &
  (Q extends undefined ? { query?: undefined } : { query?: Q }) &
  (B extends undefined ? { body?: undefined } : { body: B });

export function pathOf(path: string, params: Record<string, string> | undefined): string {
  return path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new Error(`missing path parameter ${name} for ${path}`);
    return encodeURIComponent(value);
  });
}

/** Sends the request; an error answer becomes an ApiError (a 401 also ends the session). */
async function send<P, Q, B, R>(endpoint: Endpoint<P, Q, B, R>, args?: Args<P, Q, B>): Promise<Response> {
  const a = (args ?? {}) as { params?: Record<string, string>; query?: object; body?: unknown };
  let url = pathOf(endpoint.path, a.params);
  if (a.query) {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(a.query)) {
      if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
    }
    const text = search.toString();
    if (text) url += `?${text}`;
  }
  // The server words its error messages in the console's language.
  const headers: Record<string, string> = { 'accept-language': document.documentElement.lang || 'zh-CN' };
  const init: RequestInit = { method: endpoint.method, credentials: 'same-origin', headers };
  if (a.body !== undefined) {
    init.body = JSON.stringify(a.body);
    headers['content-type'] = 'application/json';
  }
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch {
    throw new ApiError(0, 'network', 'network');
  }
  if (response.ok) return response;
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  const error = (body as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
  if (response.status === 401 && endpoint.roles.length > 0)
    for (const listener of expiredListeners) listener();
  throw new ApiError(
    response.status,
    error?.code ?? `http_${response.status}`,
    error?.message ?? response.statusText,
    error?.details,
  );
}

export async function call<P, Q, B, R>(endpoint: Endpoint<P, Q, B, R>, args?: Args<P, Q, B>): Promise<R> {
  const response = await send(endpoint, args);
  if (response.status === 204) return null as R;
  const text = await response.text();
  try {
    return (text ? JSON.parse(text) : null) as R;
  } catch {
    return null as R;
  }
}

/**
 * Calls an endpoint that answers with a file (a share, an export) and hands the file to the
 * browser as a download, named as the server's Content-Disposition says; returns the headers.
 */
export async function download<P, Q, B, R>(
  endpoint: Endpoint<P, Q, B, R>,
  args?: Args<P, Q, B>,
): Promise<Headers> {
  const response = await send(endpoint, args);
  const blob = await response.blob();
  const name =
    /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? 'download';
  const href = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = href;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked after the click has been handled (the download keeps its own copy).
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
  return response.headers;
}
