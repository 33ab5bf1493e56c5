/**
 * The edge's link to the kit's broker over MQTT: publishes its payloads with the right QoS and retain flag and counts what
 * happened; subscribes to what nodes on the network publish.
 */
import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { type Payload, type PayloadKind, RETAINED, topics } from './mqtt/topics.js';

/** What the edge needs of a publisher: this MQTT one for an edge on its own device, LocalPublisher inside the gateway. */
export interface EdgePublisher {
  /** Resolves once the kit's broker takes messages (rejects on bad credentials); the kit is then told online. */
  connected(): Promise<void>;
  publish<K extends PayloadKind>(kind: K, topic: string, payload: Payload<K>): void;
  snapshot(): PublisherStats;
  /** Marks the kit offline (retained) and waits for queued messages, up to timeoutMs. */
  close(timeoutMs?: number): Promise<void>;
  /**
   * Takes messages of `filters` from the kit's broker (the readings of nodes that publish themselves), the retained ones
   * first, marked `retained`.
   */
  subscribe(filters: string[], listener: MessageListener): void;
}

export type MessageListener = (topic: string, payload: Buffer, retained: boolean) => void;

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

export class Publisher implements EdgePublisher {
  private client?: MqttClient;
  /** The MQTT client library is loaded here, not at import: a gateway whose edge runs in-process never loads it. */
  private readonly ready: Promise<MqttClient>;
  private readonly stats = { published: 0, dropped: 0 };
  private inFlight = 0;

  constructor(private readonly options: PublisherOptions) {
    this.ready = import('mqtt').then(({ default: mqtt }) => this.connect(mqtt.connect));
  }

  private connect(connect: typeof import('mqtt').connect): MqttClient {
    const { options } = this;
    const willTopic = topics.kitStatus(options.kitId);
    const client = connect(options.url, {
      clientId: options.clientId,
      username: options.username,
      password: options.password,
      // A persistent session keeps QoS 1 messages across a broker restart.
      clean: false,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      will: { topic: willTopic, payload: Buffer.from(JSON.stringify({ online: false, ts: Date.now() })), qos: 1, retain: true },
    });
    this.client = client;
    client.on('connect', () => {
      options.log.info({ url: options.url }, 'connected to broker');
      this.publish('kitStatus', willTopic, { online: true, ts: Date.now() });
    });
    client.on('error', (error) => options.log.warn({ err: error.message }, 'broker connection error'));
    client.on('offline', () => options.log.warn('broker offline, holding messages'));
    return client;
  }

  /** Resolves once connected the first time (or rejects on bad credentials). */
  async connected(): Promise<void> {
    const client = await this.ready;
    if (client.connected) return;
    return new Promise((resolve, reject) => {
      const onError = (error: Error & { code?: number }) => {
        // 4 = bad username or password, 5 = not authorised: retrying will not help.
        if (error.code === 4 || error.code === 5) {
          client.off('connect', onConnect);
          reject(error);
        }
      };
      const onConnect = () => {
        client.off('error', onError);
        resolve();
      };
      client.once('connect', onConnect);
      client.on('error', onError);
    });
  }

  publish<K extends PayloadKind>(kind: K, topic: string, payload: Payload<K>): void {
    if (!this.client) {
      void this.ready.then(() => this.publish(kind, topic, payload));
      return;
    }
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
  subscribe(filters: string[], listener: MessageListener): void {
    void this.ready.then((client) => {
      client.on('message', (topic, payload, packet) => listener(topic, payload, packet.retain));
      client.subscribe(filters, { qos: 1 }, (error) => {
        if (error) this.options.log.error({ err: error.message, filters }, 'subscription refused');
      });
    });
  }

  snapshot(): PublisherStats {
    return { ...this.stats, queued: this.inFlight, connected: this.client?.connected ?? false };
  }

  async close(timeoutMs = 5000): Promise<void> {
    const client = await this.ready;
    if (client.connected) this.publish('kitStatus', topics.kitStatus(this.options.kitId), { online: false, ts: Date.now() });
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight > 0 && client.connected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await client.endAsync(this.inFlight > 0);
  }
}
