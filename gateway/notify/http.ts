/** One JSON POST with a timeout for the HTTP channels, turning every failure into a DeliveryError that is safe to log. */
import { DeliveryError } from './types.js';

/** Only scheme, host and port: Slack puts its secret in the path, Teams workflows in the query string. */
export function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid url)';
  }
}

/** 408 and 429 say "later"; any other 4xx says "never", so retrying for a day would only hide a misconfiguration. */
export function isPermanentStatus(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

export interface PostOptions {
  headers?: Record<string, string>;
  signal: AbortSignal;
  timeoutMs: number;
  /** Statuses besides 2xx that mean the message arrived (LINE answers 409 to a retry it already accepted). */
  acceptStatus?: number[];
}

export async function postJson(url: string, body: unknown, options: PostOptions): Promise<void> {
  const where = safeOrigin(url);
  const timeout = AbortSignal.timeout(options.timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...options.headers },
      body: JSON.stringify(body),
      signal: AbortSignal.any([timeout, options.signal]),
    });
  } catch (err) {
    throw requestError(err, where, timeout, options);
  }
  // Read the body either way: an unread body keeps the connection busy, and its start explains a refusal.
  let answer = '';
  try {
    answer = await response.text();
  } catch (err) {
    if (!response.ok) throw requestError(err, where, timeout, options);
  }
  if (response.ok || options.acceptStatus?.includes(response.status)) return;
  const detail = answer.replace(/\s+/g, ' ').slice(0, 200);
  throw new DeliveryError('NOTIFY_HTTP_STATUS', `${where} answered ${response.status}${detail ? `: ${detail}` : ''}`, {
    permanent: isPermanentStatus(response.status),
  });
}

function requestError(err: unknown, where: string, timeout: AbortSignal, options: PostOptions): DeliveryError {
  if (timeout.aborted) return new DeliveryError('NOTIFY_TIMEOUT', `${where} did not answer within ${options.timeoutMs} ms`, { cause: err });
  if (options.signal.aborted) return new DeliveryError('NOTIFY_STOPPED', `request to ${where} ended by stop`, { cause: err });
  // fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND) is in its cause, and carries no URL.
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const reason = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
  return new DeliveryError('NOTIFY_NETWORK', `${where} unreachable: ${reason}`, { cause: err });
}
