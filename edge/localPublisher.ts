/**
 * Publishes the edge's payloads into a broker in the same process through a function the kit passes in: no MQTT client,
 * no socket, no second copy of every message. The broker behind the function applies the ACL and admission checks a
 * client's publish gets; here, as over MQTT, messages leave one at a time in the order they were made (QoS 1: the next
 * leaves when the broker has taken the one before), retained kinds are never dropped, and the kit is told online/offline.
 */
import type { Logger } from 'pino';
import { type Payload, type PayloadKind, RETAINED, topics } from './mqtt/topics.js';
import type { EdgePublisher, PublisherStats } from './publisher.js';

/** Resolves when the broker has taken the message (stored if retained, queued for every subscriber), rejects if refused. */
export type PublishFunction = (topic: string, payload: Buffer, options: { qos: 1; retain: boolean }) => Promise<void>;

export interface LocalPublisherOptions {
  publish: PublishFunction;
  kitId: string;
  log: Logger;
  /** Messages waiting for the broker; past this further readings are dropped and counted (states and statuses are kept). */
  maxQueued?: number;
}

interface Waiting {
  topic: string;
  payload: Buffer;
  retain: boolean;
}

export class LocalPublisher implements EdgePublisher {
  private readonly stats = { published: 0, dropped: 0 };
  private readonly waiting: Waiting[] = [];
  private sending = false;
  private open = false;
  private drained?: () => void;

  constructor(private readonly options: LocalPublisherOptions) {}

  async connected(): Promise<void> {
    this.open = true;
    this.publish('kitStatus', topics.kitStatus(this.options.kitId), { online: true, ts: Date.now() });
  }

  publish<K extends PayloadKind>(kind: K, topic: string, payload: Payload<K>): void {
    const retain = RETAINED.has(kind);
    if (this.waiting.length >= (this.options.maxQueued ?? 100_000) && !retain) {
      this.stats.dropped++;
      return;
    }
    this.waiting.push({ topic, payload: Buffer.from(JSON.stringify(payload)), retain });
    if (!this.sending) void this.send();
  }

  private async send(): Promise<void> {
    this.sending = true;
    for (let message = this.waiting.shift(); message; message = this.waiting.shift()) {
      try {
        await this.options.publish(message.topic, message.payload, { qos: 1, retain: message.retain });
        this.stats.published++;
      } catch (error) {
        this.stats.dropped++;
        this.options.log.warn({ topic: message.topic, err: (error as Error).message }, 'publish failed');
      }
    }
    this.sending = false;
    this.drained?.();
  }

  snapshot(): PublisherStats {
    return { ...this.stats, queued: this.waiting.length + (this.sending ? 1 : 0), connected: this.open };
  }

  async close(timeoutMs = 5000): Promise<void> {
    if (this.open) this.publish('kitStatus', topics.kitStatus(this.options.kitId), { online: false, ts: Date.now() });
    this.open = false;
    if (!this.sending) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.drained = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
