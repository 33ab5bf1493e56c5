/**
 * LINE channel through the Messaging API push endpoint. LINE Notify, which many older guides use, was shut down on
 * 2025-03-31; a LINE Official Account's channel access token and user/group ids are what works now.
 */
import { randomUUID } from 'node:crypto';
import type { NotificationChannelConfig } from '../../config/schema.js';
import { postJson } from './http.js';
import type { Outgoing, Sender } from './types.js';

type LineChannel = Extract<NotificationChannelConfig, { kind: 'line' }>;

/** A text message may hold at most 5000 characters. */
const TEXT_MAX = 5000;

export function lineBody(to: string, out: Outgoing): { to: string; messages: { type: 'text'; text: string }[] } {
  const text = out.message.text.length > TEXT_MAX ? out.message.text.slice(0, TEXT_MAX - 1) + '…' : out.message.text;
  return { to, messages: [{ type: 'text', text }] };
}

export function createLineSender(channel: LineChannel): Sender {
  return {
    async send(out, attempt) {
      for (const to of channel.to) {
        // Recipients already served in an earlier attempt are not pushed again when a later one failed.
        if (attempt.memo.get(to) === 'sent') continue;
        // One retry key per delivery and recipient: when a push timed out but did arrive, LINE answers the retry with 409, not a second message.
        let key = attempt.memo.get(to);
        if (!key) {
          key = randomUUID();
          attempt.memo.set(to, key);
        }
        await postJson(channel.apiUrl, lineBody(to, out), {
          headers: { authorization: `Bearer ${channel.channelAccessToken}`, 'x-line-retry-key': key },
          signal: attempt.signal,
          timeoutMs: attempt.timeoutMs,
          acceptStatus: [409],
        });
        attempt.memo.set(to, 'sent');
      }
    },
  };
}
