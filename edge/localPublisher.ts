/**
 * Publishes the edge's payloads into a broker in the same process through a function the kit passes in: no MQTT client,
 * no socket, no second copy of every message. The broker behind the function applies the ACL and admission checks a
 * client's publish gets. As over MQTT at QoS 1: messages are handed over in the order they were made, several in flight
 * at once (as a client writes packets before their PUBACKs), each counted when the broker has taken it; past the bound
 * readings are dropped and counted while retained kinds (states, statuses) are kept; the kit is told online and offline.
 */
import type { Logger } from 'pino';
import { type Payload, type PayloadKind, RETAINED, topics } from './mqtt/topics.js';
import type { EdgePublisher, MessageListener, PublisherStats } from './publisher.js';

/**
 * Resolves when the broker has taken the message (stored if retained, queued for every subscriber), rejects if refused.
 * Messages handed over before the earlier ones were taken reach subscribers in the order given.
 */
export type PublishFunction = (topic: string, payload: Buffer, options: { qos: 1; retain: boolean }) => Promise<void>;

/** Delivers what clients publish on `filter` to `listener`, the retained messages first (as a client's SUBSCRIBE would). */
export type SubscribeFunction = (filter: string, listener: MessageListener) => void;

export interface LocalPublisherOptions {
  publish: PublishFunction;
  /** Needed only by an edge with nodes on the network. */
  subscribe?: SubscribeFunction;
  kitId: string;
  log: Logger;
  /** Messages the broker has not taken yet; past this further readings are dropped and counted (states and statuses are kept). */
  maxQueued?: number;
  /** Messages handed to the broker and not yet taken. One at a time would hold readings back behind each other. */
  maxInFlight?: number;
}

interface Waiting {
  topic: string;
  payload: Buffer;
  retain: boolean;
}

export class LocalPublisher implements EdgePublisher {
  private readonly stats = { published: 0, dropped: 0 };
  /** A queue read from `head`: Array.shift() moves every element, which at 100,000 waiting messages stalls the edge. */
  private waiting: Waiting[] = [];
  private head = 0;
  private inFlight = 0;
  private open = false;
  private drained?: () => void;

  constructor(private readonly options: LocalPublisherOptions) {}

  async connected(): Promise<void> {
    this.open = true;
    this.publish('kitStatus', topics.kitStatus(this.options.kitId), { online: true, ts: Date.now() });
  }

  publish<K extends PayloadKind>(kind: K, topic: string, payload: Payload<K>): void {
    const retain = RETAINED.has(kind);
    if (this.waiting.length - this.head + this.inFlight >= (this.options.maxQueued ?? 100_000) && !retain) {
      this.stats.dropped++;
      return;
    }
    this.waiting.push({ topic, payload: Buffer.from(JSON.stringify(payload)), retain });
    this.send();
  }

  private send(): void {
    while (this.inFlight < (this.options.maxInFlight ?? 1000) && this.head < this.waiting.length) {
      const message = this.waiting[this.head++] as Waiting;
      if (this.head >= 1024 && this.head * 2 >= this.waiting.length) {
        this.waiting = this.waiting.slice(this.head);
        this.head = 0;
      }
      this.inFlight++;
      this.options.publish(message.topic, message.payload, { qos: 1, retain: message.retain }).then(
        () => this.taken(true),
        (error: Error) => {
          this.options.log.warn({ topic: message.topic, err: error.message }, 'publish failed');
          this.taken(false);
        },
      );
    }
  }

  private taken(ok: boolean): void {
    this.inFlight--;
    this.stats[ok ? 'published' : 'dropped']++;
    this.send();
    if (this.inFlight === 0) this.drained?.();
  }

  subscribe(filters: string[], listener: MessageListener): void {
    const { subscribe } = this.options;
    if (!subscribe) throw new Error('this publisher was made without a subscribe function');
    for (const filter of filters) subscribe(filter, listener);
  }

  snapshot(): PublisherStats {
    return { ...this.stats, queued: this.waiting.length - this.head + this.inFlight, connected: this.open };
  }

  async close(timeoutMs = 5000): Promise<void> {
    if (this.open) this.publish('kitStatus', topics.kitStatus(this.options.kitId), { online: false, ts: Date.now() });
    this.open = false;
    if (this.inFlight === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.drained = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
