/**
 * Bounds what one client's session can make the broker keep. aedes holds every QoS 1 message for a persistent session
 * (clean: false) until it is acknowledged, with no limit: 200 sessions left offline grew the gateway by 4 MB a minute, and
 * one forgotten Node-RED by ~3 MB a day, for ever. It also kept every filter a client asked for (50,000 filters: +94 MB),
 * and persisted the filters of a SUBSCRIBE that the ACL refused, which then queued the whole kit's tree for a session that
 * could never come back.
 */
import type { Client } from 'aedes';

/** Filters one client may hold: a kit has a few dozen topics, an integrator subscribes to some of them. */
export const MAX_SUBSCRIPTIONS_PER_CLIENT = 100;
/** Messages kept for a session while its client is away (mosquitto's max_queued_messages): newer ones are dropped. */
export const MAX_QUEUED_PER_SESSION = 1000;

interface Subscription {
  topic: string;
}
interface Queued {
  clientId: string;
}
/** The part of aedes' persistence that these bounds wrap. */
export interface SessionPersistence {
  addSubscriptions(client: Client, subs: Subscription[]): Promise<void>;
  outgoingEnqueue(sub: Queued, packet: unknown): Promise<void>;
  outgoingEnqueueCombi(subs: Queued[], packet: unknown): Promise<void>;
  outgoingClearMessageId(client: Client, packet: unknown): Promise<unknown>;
}

export class SessionBounds {
  private readonly filters = new WeakMap<Client, Set<string>>();
  /** Unacknowledged messages held per client id. */
  private readonly queued = new Map<string, number>();

  constructor(
    /** Whether a client with this id is connected now. */
    private readonly connected: (clientId: string) => boolean,
    private readonly onQueueFull: (clientId: string) => void,
    private readonly maxSubscriptions = MAX_SUBSCRIPTIONS_PER_CLIENT,
    private readonly maxQueued = MAX_QUEUED_PER_SESSION,
  ) {}

  /** Takes a filter the ACL allowed; false when the client already holds as many as it may. */
  admit(client: Client, filter: string): boolean {
    const held = this.filters.get(client) ?? new Set<string>();
    this.filters.set(client, held);
    if (held.has(filter)) return true;
    if (held.size >= this.maxSubscriptions) return false;
    held.add(filter);
    return true;
  }

  forget(client: Client, filters: string[]): void {
    const held = this.filters.get(client);
    for (const filter of filters) held?.delete(filter);
  }

  /** Wraps the persistence in place: aedes calls it through `broker.persistence`. */
  wrap(persistence: SessionPersistence): void {
    const addSubscriptions = persistence.addSubscriptions.bind(persistence);
    const enqueue = persistence.outgoingEnqueue.bind(persistence);
    const enqueueCombi = persistence.outgoingEnqueueCombi.bind(persistence);
    const clear = persistence.outgoingClearMessageId.bind(persistence);
    // aedes stores all of a SUBSCRIBE's filters with each one it grants: only those admitted so far may be kept.
    persistence.addSubscriptions = (client, subs) =>
      addSubscriptions(
        client,
        subs.filter((sub) => this.filters.get(client)?.has(sub.topic)),
      );
    persistence.outgoingEnqueue = async (sub, packet) => {
      if (this.take(sub.clientId)) await enqueue(sub, packet);
    };
    persistence.outgoingEnqueueCombi = (subs, packet) =>
      enqueueCombi(
        subs.filter((sub) => this.take(sub.clientId)),
        packet,
      );
    persistence.outgoingClearMessageId = async (client, packet) => {
      const cleared = await clear(client, packet);
      if (cleared) this.give(client.id);
      return cleared;
    };
  }

  /**
   * Only a client that is away has messages dropped: for a connected one aedes takes a message missing from its queue for
   * an error and disconnects it, which would end a session catching up on what it missed in a loop of reconnects.
   */
  private take(clientId: string): boolean {
    const count = this.queued.get(clientId) ?? 0;
    if (count >= this.maxQueued && !this.connected(clientId)) {
      this.onQueueFull(clientId);
      return false;
    }
    this.queued.set(clientId, count + 1);
    return true;
  }

  private give(clientId: string): void {
    const count = (this.queued.get(clientId) ?? 0) - 1;
    if (count > 0) this.queued.set(clientId, count);
    else this.queued.delete(clientId);
  }
}
