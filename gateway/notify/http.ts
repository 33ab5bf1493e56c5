/** One JSON POST with a timeout for the HTTP channels, turning every failure into a DeliveryError that is safe to log. */
import { type HttpAnswer, requestText } from '../httpClient.js';
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
  let response: HttpAnswer;
  try {
    // The whole answer is read either way: an unread body keeps the connection busy, and its start explains a refusal.
    response = await requestText(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...options.headers },
      body: JSON.stringify(body),
      signal: AbortSignal.any([timeout, options.signal]),
      maxAnswerBytes: 64 * 1024,
    });
  } catch (err) {
    throw requestError(err, where, timeout, options);
  }
  const ok = response.status >= 200 && response.status < 300;
  if (ok || options.acceptStatus?.includes(response.status)) return;
  const detail = response.text.replace(/\s+/g, ' ').slice(0, 200);
  throw new DeliveryError('NOTIFY_HTTP_STATUS', `${where} answered ${response.status}${detail ? `: ${detail}` : ''}`, {
    permanent: isPermanentStatus(response.status),
  });
}

function requestError(err: unknown, where: string, timeout: AbortSignal, options: PostOptions): DeliveryError {
  if (timeout.aborted) return new DeliveryError('NOTIFY_TIMEOUT', `${where} did not answer within ${options.timeoutMs} ms`, { cause: err });
  if (options.signal.aborted) return new DeliveryError('NOTIFY_STOPPED', `request to ${where} ended by stop`, { cause: err });
  // The reason (ECONNREFUSED, ENOTFOUND) is the error's code, which carries no URL.
  const code = (err as { code?: string }).code;
  const reason = code ?? (err instanceof Error ? err.message : String(err));
  return new DeliveryError('NOTIFY_NETWORK', `${where} unreachable: ${reason}`, { cause: err });
}
