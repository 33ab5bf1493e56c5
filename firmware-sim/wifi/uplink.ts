/**
 * The Wi-Fi mode of a simulated node: MQTT to the kit's broker with the node's own account, readings kept in a ring while
 * the link is down and sent oldest first when it is back, each with the kit's time of measuring. Mirrors the ESP32
 * sketch's WifiTransport over firmware/core (ring, kit clock, uplink); its own MQTT client, nothing of the edge.
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { KitClock } from './kitClock.js';
import { type Queued, type Reading, ReadingRing } from './ring.js';

export interface UplinkOptions {
  /** mqtt://host:1883 or mqtts://host:8883 */
  url: string;
  username: string;
  password: string;
  kit: string;
  node: string;
  firmware: string;
  channels: { id: string; kind: 'current' | 'climate' }[];
  /** Readings the ring holds; 1500 is 25 min of one current and one climate reading every 2 s. */
  ringCapacity?: number;
  /** Publishes awaiting their PUBACK at once: enough to drain a backlog fast, few enough to stay in order cheaply. */
  maxInFlight?: number;
  keepaliveSeconds?: number;
  /** The node's own clock in ms (default performance.now(): monotonic, like millis()). */
  monotonic?: () => number;
  /** TLS and other connection settings (e.g. `ca` for the kit's certificate). */
  connect?: Partial<IClientOptions>;
}

export interface UplinkStats {
  queued: number;
  /** Readings the kit acknowledged (PUBACK): stored or stored before. */
  acknowledged: number;
  dropped: number;
  connects: number;
  /** Connections lost: the broker went away, Wi-Fi dropped, a keepalive went unanswered. */
  disconnects: number;
}

type UplinkEvents = { queued: [Queued]; acknowledged: [Queued]; synced: []; error: [Error] };

export class WifiUplink extends EventEmitter<UplinkEvents> {
  readonly ring: ReadingRing;
  readonly clock = new KitClock();
  private readonly monotonic: () => number;
  private readonly maxInFlight: number;
  private readonly base: string;
  private client: MqttClient | undefined;
  private seq = 0;
  private sending = 0;
  private helloSent = false;
  private readonly counts = { queued: 0, acknowledged: 0, connects: 0, disconnects: 0 };

  constructor(private readonly options: UplinkOptions) {
    super();
    this.ring = new ReadingRing(options.ringCapacity ?? 1500);
    this.monotonic = options.monotonic ?? (() => performance.now());
    this.maxInFlight = options.maxInFlight ?? 8;
    this.base = `minotake/v1/${options.kit}/node/${options.node}`;
  }

  get stats(): UplinkStats {
    return { ...this.counts, dropped: this.ring.dropped };
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  start(): void {
    const { url, username, password, node } = this.options;
    const client = mqtt.connect(url, {
      clientId: `minotake-node-${node}`,
      username,
      password,
      clean: true,
      keepalive: this.options.keepaliveSeconds ?? 10,
      reconnectPeriod: 1000,
      connectTimeout: 5000,
      // The broker stamps a will with the time it fires, so the time here does not matter.
      will: {
        topic: `${this.base}/status`,
        payload: Buffer.from('{"online":false,"ts":0,"reason":"connection lost"}'),
        qos: 1,
        retain: true,
      },
      ...this.options.connect,
    });
    this.client = client;
    client.on('connect', () => {
      this.counts.connects++;
      // The clock first: nothing goes out before the node knows the kit's time (the broker refuses a time before 2020).
      client.subscribe(`${this.base}/clock`, { qos: 0 });
    });
    client.on('close', () => {
      if (this.helloSent) this.counts.disconnects++;
      this.helloSent = false;
    });
    client.on('error', (error) => {
      if (this.listenerCount('error') > 0) this.emit('error', error);
    });
    client.on('message', (topic, payload) => {
      if (topic !== `${this.base}/clock`) return;
      try {
        const { ts } = JSON.parse(payload.toString()) as { ts: unknown };
        if (typeof ts !== 'number' || !Number.isFinite(ts)) return;
        const first = !this.clock.synced;
        this.clock.observe(ts, this.monotonic());
        if (first) this.emit('synced');
      } catch {
        return;
      }
      this.hello();
      this.pump();
    });
  }

  /** A reading measured now: into the ring, out as soon as the link and the clock allow. */
  add(reading: Reading): Queued {
    const item: Queued = { seq: this.seq, measuredAt: this.monotonic(), reading };
    this.seq = (this.seq + 1) % 65536;
    this.stamp(item);
    this.ring.push(item, this.sending);
    this.counts.queued++;
    this.emit('queued', item);
    this.pump();
    return item;
  }

  /** Powers the node off: what is in the ring is lost, like the RAM of a real one. */
  async stop(): Promise<void> {
    await this.client?.endAsync(true);
  }

  private stamp(item: Queued): void {
    item.ts ??= this.clock.toKit(item.measuredAt);
  }

  /** The node's status on every (re)connect, once it has the time: online, its firmware and channels. */
  private hello(): void {
    const client = this.client;
    if (!client?.connected || this.helloSent) return;
    const ts = this.clock.toKit(this.monotonic()) as number;
    const { firmware, channels } = this.options;
    client.publish(`${this.base}/status`, JSON.stringify({ online: true, ts, firmware, channels }), { qos: 1, retain: true });
    this.helloSent = true;
  }

  private pump(): void {
    const client = this.client;
    while (client?.connected && this.helloSent && this.sending < this.maxInFlight && this.sending < this.ring.length) {
      const item = this.ring.at(this.sending) as Queued;
      this.stamp(item);
      this.sending++;
      const { topic, payload } = this.message(item);
      // A publish cut off by a drop stays in the client's store and goes again after the reconnect, before newer ones.
      client.publish(topic, payload, { qos: 1 }, (error) => {
        this.sending = Math.max(0, this.sending - 1);
        if (error) return;
        if (this.ring.remove(item)) {
          this.counts.acknowledged++;
          this.emit('acknowledged', item);
        }
        this.pump();
      });
    }
  }

  private message(item: Queued): { topic: string; payload: string } {
    const { ts, seq, reading } = item;
    switch (reading.kind) {
      case 'current':
        return { topic: `${this.base}/current`, payload: JSON.stringify({ ts, seq, amps: reading.amps }) };
      case 'climate': {
        const { channel, temperatureC, humidityPct } = reading;
        return { topic: `${this.base}/climate`, payload: JSON.stringify({ ts, seq, channel, temperatureC, humidityPct }) };
      }
      case 'error':
        return { topic: `${this.base}/error`, payload: JSON.stringify({ ts, seq, channel: reading.channel, code: reading.code }) };
    }
  }
}
