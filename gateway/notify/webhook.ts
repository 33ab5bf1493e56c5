/** Generic webhook channel: the alarm and its text as JSON, for Node-RED, a ticket system or anything else that takes a POST. */
import type { NotificationChannelConfig } from '../../config/schema.js';
import { postJson } from './http.js';
import type { Outgoing, Sender } from './types.js';

type WebhookChannel = Extract<NotificationChannelConfig, { kind: 'webhook' }>;

export function webhookBody(out: Outgoing): Record<string, unknown> {
  return { kit: out.kit, kind: out.kind, alarm: out.alarm, text: out.message.text, link: out.message.link };
}

export function createWebhookSender(channel: WebhookChannel): Sender {
  return {
    send: (out, attempt) =>
      postJson(channel.url, webhookBody(out), { headers: channel.headers ?? {}, signal: attempt.signal, timeoutMs: attempt.timeoutMs }),
  };
}
