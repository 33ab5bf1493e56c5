/**
 * Keeps a client's publishes in the order it sent them around a retained one (moscajs/aedes#994). aedes handles the
 * packets of one socket read side by side and numbers each as it reaches the broker; a retained message is stored
 * before it is sent on, so QoS 0 messages sent right after it were numbered and sent first, and a subscriber, which
 * skips a message numbered below the last one it got, never saw the retained one: a node's status or a machine's state
 * went missing for every reader already connected (the retained copy for later readers was right). The kit's own nodes
 * and edges publish at QoS 1, which aedes happened to keep in order; any other client may not.
 *
 * Messages after a retained one are let in once aedes has sent it on (its publish event), or after a second if that
 * never comes (a failed store), so one message can never hold up its client for longer.
 */
import type { Aedes, Client, PublishPacket } from 'aedes';

const SENT_ON_WAIT_MS = 1000;

/** Wraps authorizePublish's decision: `decide` admits or refuses the packet, `done` hands the answer to aedes. */
export type OrderedAuthorize = (
  client: Client,
  packet: PublishPacket,
  decide: () => Error | null,
  done: (error: Error | null) => void,
) => void;

export function retainedOrder(aedes: Aedes): OrderedAuthorize {
  // Per client, the publishes let in after a retained one, in the order they came; none while nothing retained is under way.
  const queues = new WeakMap<Client, Promise<void>>();
  const sentOn = new Map<PublishPacket, () => void>();
  aedes.on('publish', (packet) => sentOn.get(packet)?.());

  return (client, packet, decide, done) => {
    const queue = queues.get(client);
    if (!queue && !packet.retain) return done(decide());
    const next = (queue ?? Promise.resolve()).then(() => {
      const refused = decide();
      if (refused || !packet.retain) return done(refused);
      return new Promise<void>((resolve) => {
        const finish = () => {
          clearTimeout(timer);
          sentOn.delete(packet);
          resolve();
        };
        const timer = setTimeout(finish, SENT_ON_WAIT_MS).unref();
        sentOn.set(packet, finish);
        done(null);
      });
    });
    queues.set(client, next);
    void next.then(() => {
      if (queues.get(client) === next) queues.delete(client);
    });
  };
}
