import { request as httpRequest } from 'node:http';

/** Signs a user in to a running kit over real HTTP and calls its API with the session cookie and CSRF token. */
export interface Signed {
  base: string;
  cookie: string;
  csrf: string;
}

export async function signIn(base: string, username: string, password: string): Promise<Signed> {
  const response = await fetch(`${base}api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (response.status !== 200) throw new Error(`login as ${username} failed: ${response.status} ${await response.text()}`);
  const me = (await response.json()) as { csrfToken: string };
  return { base, cookie: (response.headers.get('set-cookie') ?? '').split(';')[0] as string, csrf: me.csrfToken };
}

// biome-ignore lint/suspicious/noExplicitAny: a test reads JSON bodies of many shapes and checks them with assertions
export async function call(s: Signed, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${s.base}${path}`, {
    method,
    headers: {
      cookie: s.cookie,
      'x-csrf-token': s.csrf,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/**
 * One request over a TCP connection of its own from a loopback address of its own (127.0.0.0/8 is all loopback), as many
 * clients on a factory network would send it: the kit's rate limits count per address. Resolves with the status and
 * when the answer had fully arrived (performance.now()).
 */
export function requestFrom(
  port: number,
  path: string,
  from: string,
  body?: unknown,
): Promise<{ status: number; startedAt: number; answeredAt: number }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const startedAt = performance.now();
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: payload ? 'POST' : 'GET',
        localAddress: from,
        agent: false,
        headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {},
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode ?? 0, startedAt, answeredAt: performance.now() }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
