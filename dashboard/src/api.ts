/** Fetch wrapper for the gateway's API: base-relative URLs, the CSRF header on writes, and one place that notices a lost session. */

export type Query = Record<string, string | number | undefined>;

/** An API failure with the gateway's bilingual message when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly messageJa: string | null,
    /** Seconds from Retry-After on 429. */
    readonly retryAfterS: number | null = null,
  ) {
    super(message);
  }
}

/** Status 0: the request never got an answer (Wi-Fi gone, gateway down). */
export const isNetworkError = (e: unknown): boolean => e instanceof ApiError && e.status === 0;

let csrfToken: string | null = null;
let sessionLost: () => void = () => {};

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called on any 401 outside the login and session probes: the app then shows the login page. */
export function onSessionLost(handler: () => void): void {
  sessionLost = handler;
}

/** An absolute URL for an API path relative to the page's base, so the kit works under /kit-a01/ behind a proxy. */
export function apiUrl(path: string, query?: Query): string {
  const url = new URL(path, document.baseURI);
  for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
  return url.href;
}

interface RequestOptions {
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
  /** A 401 is an expected answer (login, "who am I"), not a lost session. */
  authProbe?: boolean;
}

export async function request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(apiUrl(path, options.query), {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'NETWORK', 'The kit did not answer', null);
  }
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (response.ok) return body as T;
  if (response.status === 401 && !options.authProbe) sessionLost();
  const fields = (body ?? {}) as { code?: unknown; message?: unknown; messageJa?: unknown };
  const retryAfter = Number(response.headers.get('retry-after'));
  throw new ApiError(
    response.status,
    typeof fields.code === 'string' ? fields.code : `HTTP_${response.status}`,
    typeof fields.message === 'string' ? fields.message : response.statusText || `HTTP ${response.status}`,
    typeof fields.messageJa === 'string' ? fields.messageJa : null,
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
  );
}

/** Sends a file as the raw request body (uploads): no JSON, no base64, the CSRF header as on every write. */
export async function upload<T>(path: string, file: Blob, query: Query): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', 'content-type': file.type || 'application/octet-stream' };
  if (csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(apiUrl(path, query), { method: 'POST', headers, body: file, credentials: 'same-origin', cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'NETWORK', 'The kit did not answer', null);
  }
  const body = (await response.json().catch(() => null)) as { code?: string; message?: string; messageJa?: string } | null;
  if (response.ok) return body as T;
  if (response.status === 401) sessionLost();
  throw new ApiError(
    response.status,
    body?.code ?? `HTTP_${response.status}`,
    body?.message ?? response.statusText,
    body?.messageJa ?? null,
  );
}

export const api = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) =>
    request<T>('GET', path, { ...(query ? { query } : {}), ...(signal ? { signal } : {}) }),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, { body: body ?? {} }),
  put: <T>(path: string, body?: unknown) => request<T>('PUT', path, { body: body ?? {} }),
  del: <T>(path: string) => request<T>('DELETE', path),
};
