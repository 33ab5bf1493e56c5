/** The kit's clock for sensor nodes on the network: published on node/<id>/clock when a node subscribes to it, then every 10 s. */
import type { Aedes, Client, Subscription } from 'aedes';
import type { KitConfig } from '../../config/schema.js';
import { topics } from '../../edge/mqtt/topics.js';

/** Often enough that a node's crystal (±50 ppm: 4 s a day) never drifts by more than a millisecond between two. */
export const CLOCK_EVERY_MS = 10_000;

/** Whether an MQTT subscription filter (with + and #) takes a topic. */
export function filterMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

/**
 * A node on Wi-Fi has no clock to trust, and the kit may have no NTP either: the kit's clock is the one every reading is
 * judged by (the broker's plausible-time window), so the node takes it from here. Not retained (a kept clock is a stale
 * one) and QoS 0 (a late clock is worse than a missing one); the node keeps the best offset it saw (firmware/core/kit_clock.h).
 */
export function startNodeClock(aedes: Aedes, config: KitConfig, now: () => number, everyMs = CLOCK_EVERY_MS) {
  const clockTopics = config.sources.network.map((node) => topics.nodeClock(config.kit.id, node.id));
  const tell = (topic: string) =>
    aedes.publish(
      { cmd: 'publish', topic, payload: Buffer.from(JSON.stringify({ ts: now() })), qos: 0, retain: false, dup: false },
      () => {},
    );
  // A node that just connected (or reconnected after a Wi-Fi drop) should not wait up to 10 s for the time.
  const onSubscribe = (subscriptions: Subscription[], _client: Client) => {
    for (const topic of clockTopics) if (subscriptions.some((s) => filterMatches(s.topic, topic))) tell(topic);
  };
  aedes.on('subscribe', onSubscribe);
  const timer = clockTopics.length > 0 ? setInterval(() => clockTopics.forEach(tell), everyMs) : undefined;
  return {
    stop(): void {
      clearInterval(timer);
      aedes.off('subscribe', onSubscribe);
    },
  };
}
