/** The edge's link to the kit's broker: publishes its payloads with the right QoS and retain flag and counts what happened; subscribes to what nodes on the network publish. */
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { type Payload, type PayloadKind, RETAINED, topics } from './mqtt/topics.js';

export interface PublisherOptions {
  url: string;
  username: string;
  password: string;
  clientId: string;
  kitId: string;
  log: Logger;
  /** Messages held while the broker is away; past this the oldest readings are dropped and counted. */
  maxQueued?: number;
}

export interface PublisherStats {
  published: number;
  dropped: number;
  queued: number;
  connected: boolean;
}

export class Publisher {
  private readonly client: MqttClient;
  private readonly stats = { published: 0, dropped: 0 };
  private inFlight = 0;

  constructor(private readonly options: PublisherOptions) {
    const willTopic = topics.kitStatus(options.kitId);
    this.client = mqtt.connect(options.url, {
      clientId: options.clientId,
      username: options.username,
      password: options.password,
      // A persistent session keeps QoS 1 messages across a broker restart.
      clean: false,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      will: { topic: willTopic, payload: Buffer.from(JSON.stringify({ online: false, ts: Date.now() })), qos: 1, retain: true },
    });
    this.client.on('connect', () => {
      options.log.info({ url: options.url }, 'connected to broker');
      this.publish('kitStatus', willTopic, { online: true, ts: Date.now() });
    });
    this.client.on('error', (error) => options.log.warn({ err: error.message }, 'broker connection error'));
    this.client.on('offline', () => options.log.warn('broker offline, holding messages'));
  }

  /** Resolves once connected the first time (or rejects on bad credentials). */
  connected(): Promise<void> {
    if (this.client.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onError = (error: Error & { code?: number }) => {
        // 4 = bad username or password, 5 = not authorised: retrying will not help.
        if (error.code === 4 || error.code === 5) {
          this.client.off('connect', onConnect);
          reject(error);
        }
      };
      const onConnect = () => {
        this.client.off('error', onError);
        resolve();
      };
      this.client.once('connect', onConnect);
      this.client.on('error', onError);
    });
  }

  publish<K extends PayloadKind>(kind: K, topic: string, payload: Payload<K>): void {
    const max = this.options.maxQueued ?? 100_000;
    if (this.inFlight >= max && !RETAINED.has(kind)) {
      this.stats.dropped++;
      return;
    }
    this.inFlight++;
    this.client.publish(topic, JSON.stringify(payload), { qos: 1, retain: RETAINED.has(kind) }, (error) => {
      this.inFlight--;
      if (error) {
        this.stats.dropped++;
        this.options.log.warn({ topic, err: error.message }, 'publish failed');
      } else {
        this.stats.published++;
      }
    });
  }

  /**
   * Takes messages of `filters` (QoS 1) from the kit's broker, e.g. the readings of nodes that publish themselves.
   * Subscribed again after a reconnect that lost the session; `retained` marks a stored message, not a new one.
   */
  subscribe(filters: string[], listener: (topic: string, payload: Buffer, retained: boolean) => void): void {
    this.client.on('message', (topic, payload, packet) => listener(topic, payload, packet.retain));
    this.client.subscribe(filters, { qos: 1 }, (error) => {
      if (error) this.options.log.error({ err: error.message, filters }, 'subscription refused');
    });
  }

  snapshot(): PublisherStats {
    return { ...this.stats, queued: this.inFlight, connected: this.client.connected };
  }

  /** Marks the kit offline (retained) and waits for queued messages, up to timeoutMs. */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.client.connected) this.publish('kitStatus', topics.kitStatus(this.options.kitId), { online: false, ts: Date.now() });
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight > 0 && this.client.connected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await this.client.endAsync(this.inFlight > 0);
  }
}
