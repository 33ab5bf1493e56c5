/** Microsoft Teams channel: a message with one Adaptive Card, the shape both Workflows webhooks and old incoming webhooks take. */
import type { NotificationChannelConfig } from '../../config/schema.js';
import { postJson } from './http.js';
import type { Outgoing, Sender } from './types.js';

type TeamsChannel = Extract<NotificationChannelConfig, { kind: 'teams' }>;

const COLOR = { info: 'default', warning: 'warning', critical: 'attention' } as const;

export function teamsBody(out: Outgoing): Record<string, unknown> {
  const { message } = out;
  const content: Record<string, unknown> = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body: [
      { type: 'TextBlock', text: message.title, weight: 'Bolder', size: 'Medium', wrap: true, color: COLOR[out.alarm.severity] },
      ...message.lines.map((line) => ({ type: 'TextBlock', text: line, wrap: true, spacing: 'Small' })),
    ],
  };
  if (message.link) content.actions = [{ type: 'Action.OpenUrl', title: message.linkLabel, url: message.link }];
  return {
    type: 'message',
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content }],
  };
}

export function createTeamsSender(channel: TeamsChannel): Sender {
  return { send: (out, attempt) => postJson(channel.url, teamsBody(out), { signal: attempt.signal, timeoutMs: attempt.timeoutMs }) };
}
