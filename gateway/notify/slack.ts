/** Slack incoming-webhook channel: `text` for the notification itself, one mrkdwn section as the visible message. */
import type { NotificationChannelConfig } from '../../config/schema.js';
import { postJson } from './http.js';
import type { Outgoing, Sender } from './types.js';

type SlackChannel = Extract<NotificationChannelConfig, { kind: 'slack' }>;

/** Slack's mrkdwn treats only these three as control characters. */
const escapeMrkdwn = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A section's text may be at most 3000 characters. */
const SECTION_MAX = 3000;

export function slackBody(out: Outgoing): { text: string; blocks: unknown[] } {
  const { message } = out;
  const link = message.link ? `\n<${message.link}|${escapeMrkdwn(message.linkLabel)}>` : '';
  const body = `*${escapeMrkdwn(message.title)}*\n${message.lines.map(escapeMrkdwn).join('\n')}`;
  const section = (body.length + link.length > SECTION_MAX ? body.slice(0, SECTION_MAX - link.length - 1) + '…' : body) + link;
  return { text: message.title, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: section } }] };
}

export function createSlackSender(channel: SlackChannel): Sender {
  return { send: (out, attempt) => postJson(channel.url, slackBody(out), { signal: attempt.signal, timeoutMs: attempt.timeoutMs }) };
}
