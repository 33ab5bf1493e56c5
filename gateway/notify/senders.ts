/** Picks the sender for a channel's kind. */
import type { NotificationChannelConfig } from '../../config/schema.js';
import { createEmailSender } from './email.js';
import { createLineSender } from './line.js';
import { createSlackSender } from './slack.js';
import { createTeamsSender } from './teams.js';
import type { Sender } from './types.js';
import { createWebhookSender } from './webhook.js';

export function createSender(channel: NotificationChannelConfig, timeoutMs: number): Sender {
  switch (channel.kind) {
    case 'webhook':
      return createWebhookSender(channel);
    case 'slack':
      return createSlackSender(channel);
    case 'teams':
      return createTeamsSender(channel);
    case 'email':
      return createEmailSender(channel, timeoutMs);
    case 'line':
      return createLineSender(channel);
  }
}
