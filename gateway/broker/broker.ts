/** The kit's MQTT broker (aedes over TCP, and TLS when configured): authenticated clients, per-client ACL, bounded packets, refused payloads diverted and counted. */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes, type Client, type PublishPacket } from 'aedes';
import mqttPacket from 'mqtt-packet';
import type { Logger } from 'pino';
import type { KitConfig } from '../../config/schema.js';
import { type ParsedTopic, parseTopic, topics } from '../../edge/mqtt/topics.js';
import { listenOnce, listenOnPort, type PortUse } from '../listen.js';
import { mayPublish, maySubscribe, type Principal } from './acl.js';
import { admitPublish, declaredBy, type RejectRule } from './admission.js';
import { ClientIds } from './clientIds.js';
import { createCredentials } from './credentials.js';
import { filterMatches, startNodeClock } from './nodeClock.js';
import { GuardedConnection, PacketSizeReader, type Violation } from './packetGuard.js';
import { MAX_PENDING_PER_ADDRESS, PendingConnections } from './pendingConnections.js';
import { retainedOrder } from './retainedOrder.js';
import { MAX_SUBSCRIPTIONS_PER_CLIENT, SessionBounds, type SessionPersistence } from './sessionBounds.js';

export interface BrokerOptions {
  config: KitConfig;
  log: Logger;
  /** Folder that the TLS certificate and key paths are resolved against. */
  baseDir?: string;
  /** The kit's clock, against which reading timestamps are judged and failed logins forgiven. */
  now?: () => number;
  /** How long a port another program holds is waited for (default 30 s). */
  portWaitMs?: number;
}

export interface BrokerStats {
  clients: number;
  /** Bad or missing credentials. */
  refusedConnections: number;
  /** Closed at once: their address already had as many connections waiting to sign in as it may. */
  tooManyPendingConnections: number;
  /** Refused without a look at the password: too many failures from that address or for that name. */
  throttledConnections: number;
  /** An account asking for a client id that another account holds. */
  refusedClientIds: number;
  deniedPublishes: number;
  deniedSubscriptions: number;
  /** Filters refused (SUBACK 0x80) because the client already held as many as it may. */
  tooManySubscriptions: number;
  /** Messages not kept for a session that already held as many unacknowledged ones as it may (its client was away). */
  droppedForSessions: number;
  /** Connections closed at a packet header announcing more than `broker.maxPacketBytes` (or a CONNECT over 2 KB). */
  oversizedPackets: number;
  /** Connections closed because their bytes were not MQTT (a first packet that is not a CONNECT, a broken length). */
  malformedPackets: number;
  /** Publishes diverted to `…/rejected` (or channels cut from one), by reason. */
  malformedPayloads: number;
  oversizedPayloads: number;
  undeclaredReadings: number;
  implausibleTimestamps: number;
}

// Otherwise aedes' packet writer builds a 2-byte Buffer for every packet id 0…65535 at its first write and keeps them:
// 65,536 objects, 6 MB of the gateway's heap for ever, to save an allocation per packet (docs/memory.md).
mqttPacket.writeToStream.cacheNumbers = false;

const MAX_REJECTED_ECHO = 1024;
const COUNTER_OF: Record<RejectRule, keyof BrokerStats> = {
  malformed: 'malformedPayloads',
  tooLarge: 'oversizedPayloads',
  undeclared: 'undeclaredReadings',
  implausibleTime: 'implausibleTimestamps',
};

/** At most one line a second per kind of event: a flood is counted in the stats, not written to the SD card. */
function quietLog(log: Logger) {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (event: string, details: Record<string, unknown>) => {
    const now = Date.now();
    const entry = last.get(event);
    if (entry && now - entry.at < 1000) {
      entry.suppressed++;
      return;
    }
    last.set(event, { at: now, suppressed: 0 });
    log.warn({ ...details, ...(entry?.suppressed ? { suppressed: entry.suppressed } : {}) }, event);
  };
}

async function listen(server: Server, use: PortUse): Promise<number> {
  await listenOnPort(() => listenOnce(server, use.port, use.host), use);
  const address = server.address();
  return typeof address === 'object' && address ? address.port : use.port;
}

export async function startBroker(options: BrokerOptions) {
  const { config, log } = options;
  const kitId = config.kit.id;
  const now = options.now ?? Date.now;
  const warn = quietLog(log);
  const principals = new WeakMap<Client, Principal>();
  const credentials = createCredentials(config.broker.accounts, now);
  const clientIds = new ClientIds();
  const declared = declaredBy(config);
  const pending = new PendingConnections();
  /** What to call when a connection has signed in, so that it no longer counts as waiting. */
  const signedIn = new WeakMap<object, () => void>();
  const sessions = new SessionBounds(
    (clientId) => Boolean((aedes as unknown as { clients: Record<string, unknown> }).clients[clientId]),
    (clientId) => {
      stats.droppedForSessions++;
      warn('MQTT message not kept for a session: its queue is full', { clientId });
    },
  );
  const stats: BrokerStats = {
    clients: 0,
    refusedConnections: 0,
    tooManyPendingConnections: 0,
    throttledConnections: 0,
    refusedClientIds: 0,
    deniedPublishes: 0,
    deniedSubscriptions: 0,
    tooManySubscriptions: 0,
    droppedForSessions: 0,
    oversizedPackets: 0,
    malformedPackets: 0,
    malformedPayloads: 0,
    oversizedPayloads: 0,
    undeclaredReadings: 0,
    implausibleTimestamps: 0,
  };

  const refusal = (message: string, returnCode: number) => Object.assign(new Error(message), { returnCode }) as never;

  /** What the broker says on `…/rejected` about a publish it refused. */
  const notice = (original: string, clientId: string, reason: string, payload: Buffer) =>
    Buffer.from(
      JSON.stringify({
        ts: now(),
        topic: original,
        clientId,
        reason,
        payload: payload.subarray(0, MAX_REJECTED_ECHO).toString('utf8'),
      }),
    );

  /**
   * The checks on every publish that comes in, from a client or a part of the kit in this process: the ACL, then what the
   * payload may carry (admission.ts). A refused payload is diverted to `…/rejected` (the packet is rewritten); null lets it on.
   */
  const admit = (who: Principal | undefined, clientId: string, packet: PublishPacket, will: boolean): Error | null => {
    if (!who || !mayPublish(who, kitId, packet.topic)) {
      stats.deniedPublishes++;
      warn('MQTT publish denied by ACL', { clientId, username: who?.username, topic: packet.topic });
      return new Error(`not allowed to publish to ${packet.topic}`);
    }
    const original = packet.topic;
    const payload = packet.payload as Buffer;
    const admission = admitPublish(parseTopic(original) as ParsedTopic, payload, {
      declared,
      retention: config.storage.retention,
      now: now(),
      will,
    });
    for (const { rule, reason } of admission.rejections) {
      stats[COUNTER_OF[rule]]++;
      warn('MQTT payload rejected', { clientId, topic: original, rule, reason });
    }
    if (!admission.deliver) {
      // Divert instead of disconnecting: the sender keeps its session, integrators see what was wrong.
      packet.topic = topics.rejectedPublish(kitId);
      packet.retain = false;
      packet.payload = notice(original, clientId, admission.rejections[0]?.reason ?? 'refused', payload);
    } else {
      // Some channels of a reading were refused: the rest goes on, the refusal is told beside it.
      packet.payload = admission.deliver;
      for (const { reason } of admission.rejections) {
        const topic = topics.rejectedPublish(kitId);
        aedes.publish(
          { cmd: 'publish', topic, payload: notice(original, clientId, reason, payload), qos: 0, retain: false, dup: false },
          () => {},
        );
      }
    }
    return null;
  };
  /** Publishes of the parts of the kit in this process (the in-process edge): they reach ingest like a client's. */
  const fromKitParts = new WeakSet<PublishPacket>();

  const aedes = await Aedes.createBroker({
    id: `minotake-${kitId}`,
    authenticate(client, username, password, done) {
      const address = (client.conn as GuardedConnection).remoteAddress;
      if (!username) {
        stats.refusedConnections++;
        warn('MQTT connection refused: no credentials', { clientId: client.id, address });
        return done(refusal('bad username or password', 4), false);
      }
      void credentials.check(username, password ?? Buffer.alloc(0), address).then((verdict) => {
        if (!verdict.ok) {
          const throttled = verdict.why === 'throttled';
          stats[throttled ? 'throttledConnections' : 'refusedConnections']++;
          warn(throttled ? 'MQTT connection refused: too many failed logins' : 'MQTT connection refused: bad credentials', {
            clientId: client.id,
            username,
            address,
          });
          // 3 (server unavailable) tells a client to come back later; 4 tells it its password is wrong.
          return done(
            refusal(throttled ? 'too many failed logins, try again later' : 'bad username or password', throttled ? 3 : 4),
            false,
          );
        }
        if (client.closed) return done(refusal('connection closed', 3), false);
        const why = clientIds.claim(client.id, verdict.principal, client.clean);
        if (why) {
          stats.refusedClientIds++;
          warn('MQTT connection refused: client id of another account', { clientId: client.id, username, address, reason: why });
          return done(refusal(why, 2), false);
        }
        client.conn.once('close', () => clientIds.release(client.id));
        signedIn.get(client.conn)?.();
        principals.set(client, verdict.principal);
        done(null, true);
      });
    },
    authorizePublish(client, packet, done) {
      if (!client) return done(null); // the gateway's own messages (alarms)
      const isWill = packet === (client as Client & { will?: unknown }).will;
      inOrder(client, packet, () => admit(principals.get(client), client.id, packet, isWill), done);
    },
    authorizeSubscribe(client, subscription, done) {
      const who = principals.get(client);
      if (!who || !maySubscribe(who, kitId, subscription.topic)) {
        stats.deniedSubscriptions++;
        warn('MQTT subscription denied by ACL', { clientId: client.id, username: who?.username, filter: subscription.topic });
        return done(new Error(`not allowed to subscribe to ${subscription.topic}`), null);
      }
      if (!sessions.admit(client, subscription.topic)) {
        stats.tooManySubscriptions++;
        warn('MQTT subscription refused: too many filters', {
          clientId: client.id,
          username: who.username,
          max: MAX_SUBSCRIPTIONS_PER_CLIENT,
        });
        return done(null, null); // SUBACK 0x80 for this filter; the client keeps its others
      }
      done(null, subscription);
    },
  });
  const inOrder = retainedOrder(aedes);
  sessions.wrap((aedes as unknown as { persistence: SessionPersistence }).persistence);
  aedes.on('unsubscribe', (filters, client) => sessions.forget(client, filters));
  const clock = startNodeClock(aedes, config, now);
  aedes.on('client', () => stats.clients++);
  aedes.on('clientDisconnect', () => stats.clients--);

  const onViolation = (socket: Duplex & { remoteAddress?: string }) => (violation: Violation) => {
    stats[violation.announcedBytes === undefined ? 'malformedPackets' : 'oversizedPackets']++;
    warn('MQTT connection closed: packet refused', { address: socket.remoteAddress, reason: violation.reason });
  };
  // Every connection, signed in or not, reaches aedes through the guard.
  const accept = (socket: Duplex & { remoteAddress?: string; setNoDelay?: (noDelay: boolean) => unknown }) => {
    const settle = pending.open(socket.remoteAddress);
    if (!settle) {
      stats.tooManyPendingConnections++;
      warn('MQTT connection closed: too many waiting to sign in from one address', {
        address: socket.remoteAddress,
        max: MAX_PENDING_PER_ADDRESS,
      });
      socket.destroy();
      return;
    }
    socket.once('close', settle);
    // A PUBACK is a few bytes that the sender waits for: held back by Nagle behind the client's delayed ACK it costs
    // ~40 ms a round, which is all a node draining its Wi-Fi backlog does (bench/towersWifi.ts).
    socket.setNoDelay?.(true);
    const connection = new GuardedConnection(socket, new PacketSizeReader(config.broker.maxPacketBytes), onViolation(socket));
    signedIn.set(connection, settle);
    aedes.handle(connection);
  };

  const servers: Server[] = [];
  const server = createServer(accept);
  servers.push(server);
  const port = await listen(server, { part: 'mqtt', host: config.broker.host, port: config.broker.port, log, waitMs: options.portWaitMs });
  log.info({ host: config.broker.host, port }, 'MQTT broker listening');

  let tlsPort: number | undefined;
  const tls = config.broker.tls;
  if (tls) {
    const file = (path: string) => readFileSync(resolve(options.baseDir ?? '.', path));
    const tlsServer = createTlsServer({ cert: file(tls.cert), key: file(tls.key) }, accept);
    servers.push(tlsServer);
    tlsPort = await listen(tlsServer, { part: 'mqtts', host: tls.host, port: tls.port, log, waitMs: options.portWaitMs });
    log.info({ host: tls.host, port: tlsPort }, 'MQTT over TLS listening');
  }

  return {
    aedes,
    port,
    tlsPort,
    stats: () => ({ ...stats }),
    /**
     * How a part of the kit in this process (the in-process edge) publishes as `principal`: straight into aedes, with no
     * MQTT client or socket, under the same ACL and admission as a client's publish; resolves when aedes has taken it.
     */
    publisherFor(principal: Principal): (topic: string, payload: Buffer, options: { qos: 0 | 1; retain: boolean }) => Promise<void> {
      const id = `in-process:${principal.username}`;
      // Handed to aedes one after the other, each once aedes has taken the one before. aedes numbers a message when it is
      // handed over, and a subscriber skips one numbered below the last it got (its dedupe of overlapping filters); a retained
      // message is stored before it is sent on, so one handed over together with readings was overtaken by them and never
      // reached a connected reader (moscajs/aedes#994): a node's status and a machine's first state went missing.
      let previous: Promise<unknown> = Promise.resolve();
      return (topic, payload, { qos, retain }) => {
        const taken = previous.then(
          () =>
            new Promise<void>((resolve, reject) => {
              const packet: PublishPacket = { cmd: 'publish', topic, payload, qos, retain, dup: false };
              const denied = admit(principal, id, packet, false);
              if (denied) return reject(denied);
              fromKitParts.add(packet);
              aedes.publish(packet, (error?: Error) => (error ? reject(error) : resolve()));
            }),
        );
        previous = taken.catch(() => undefined);
        return taken;
      };
    },
    /**
     * A part of the kit in this process takes what clients publish on `filter`: the retained messages first (as a client's
     * SUBSCRIBE gets them, marked retained), then each new one.
     */
    subscribe(filter: string, listener: (topic: string, payload: Buffer, retained: boolean) => void): void {
      // The broker's publish event, as storage takes it: every publish a client made, after the ACL and admission let it in.
      aedes.on('publish', (packet, client) => {
        if (client && filterMatches(filter, packet.topic)) listener(packet.topic, Buffer.from(packet.payload), false);
      });
      const stored = (aedes as unknown as { persistence: { createRetainedStream(p: string): AsyncIterable<PublishPacket> } }).persistence;
      void (async () => {
        for await (const packet of stored.createRetainedStream(filter)) listener(packet.topic, Buffer.from(packet.payload), true);
      })().catch((error: Error) => log.warn({ filter, err: error.message }, 'retained messages not read'));
    },
    /** Every publish that came in, from a client or a part of the kit in this process; not the gateway's own (alarms). */
    onPublish(listener: (packet: PublishPacket) => void): void {
      aedes.on('publish', (packet, client) => {
        if (client || fromKitParts.has(packet)) listener(packet);
      });
    },
    async stop(): Promise<void> {
      clock.stop();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}

export type Broker = Awaited<ReturnType<typeof startBroker>>;
