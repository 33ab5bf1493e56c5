/** The shapes shared by the notifier and its channel senders: the event the alarm engine hands over and the sender seam. */
import type { KitConfig, NotificationChannelConfig } from '../../config/schema.js';
import type { AlarmBody } from '../http/schemas.js';
import type { NotificationText } from './message.js';

export type NotifyKind = 'raised' | 'cleared' | 'reminder' | 'acknowledged';

/** What the alarm engine passes to `notify()`: the alarm as it is now and the rule's channel list. */
export interface NotifyEvent {
  kind: NotifyKind;
  alarm: AlarmBody;
  rule: { notify?: string[] };
}

/** One message ready for a channel: the event (a snapshot), its text in the channel's language, and which kit sent it. */
export interface Outgoing {
  kind: NotifyKind;
  alarm: AlarmBody;
  message: NotificationText;
  kit: { id: string; site: string };
}

/** One attempt: the signal ends it on stop (requests also end at `timeoutMs`). */
export interface Attempt {
  signal: AbortSignal;
  timeoutMs: number;
  /** What a sender must remember about this delivery across its attempts (recipients served, idempotency keys). */
  memo: Map<string, string>;
}

/** A channel sender makes one attempt and throws on failure; retrying is the notifier's job, never the sender's. */
export interface Sender {
  send(out: Outgoing, attempt: Attempt): Promise<void>;
  close?(): void;
}

export type SenderFactory = (channel: NotificationChannelConfig) => Sender;

export type NotifierConfig = Pick<KitConfig, 'kit' | 'notifications'>;

export type DeliveryErrorCode = 'NOTIFY_HTTP_STATUS' | 'NOTIFY_TIMEOUT' | 'NOTIFY_NETWORK' | 'NOTIFY_SMTP' | 'NOTIFY_STOPPED';

/** A failed attempt. `permanent` means retrying cannot help (a 4xx other than 408/429, an SMTP 5xx), so the delivery fails at once. */
export class DeliveryError extends Error {
  readonly code: DeliveryErrorCode;
  readonly permanent: boolean;

  constructor(code: DeliveryErrorCode, message: string, options: { permanent?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'DeliveryError';
    this.code = code;
    this.permanent = options.permanent ?? false;
  }
}
