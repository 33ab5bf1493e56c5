/** The kit's MQTT broker (aedes over TCP): authenticated clients, per-client ACL, malformed payloads diverted and counted. */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { Aedes, type Client, type PublishPacket } from 'aedes';
import type { Logger } from 'pino';
import type { AccountConfig } from '../../config/schema.js';
import { decodePayload, parseTopic, topics } from '../../edge/mqtt/topics.js';
import { mayPublish, maySubscribe, type Principal } from './acl.js';
import { verifyPassword } from './password.js';

export interface BrokerOptions {
  kitId: string;
  host: string;
  port: number;
  accounts: AccountConfig[];
  log: Logger;
}

export interface BrokerStats {
  clients: number;
  refusedConnections: number;
  deniedPublishes: number;
  deniedSubscriptions: number;
  malformedPayloads: number;
}

const MAX_REJECTED_ECHO = 1024;

export async function startBroker(options: BrokerOptions) {
  const { kitId, log } = options;
  const principals = new WeakMap<Client, Principal>();
  const internal = new Map<string, { principal: Principal; password: string }>();
  const stats: BrokerStats = { clients: 0, refusedConnections: 0, deniedPublishes: 0, deniedSubscriptions: 0, malformedPayloads: 0 };

  const check = (username: string, password: Buffer): Principal | undefined => {
    const own = internal.get(username);
    if (own) return own.password === password.toString('utf8') ? own.principal : undefined;
    const account = options.accounts.find((a) => a.username === username);
    if (!account) return undefined;
    const ok = account.passwordHash ? verifyPassword(password, account.passwordHash) : account.password === password.toString('utf8');
    return ok ? { username, role: account.role, ...(account.node ? { node: account.node } : {}) } : undefined;
  };

  const aedes = await Aedes.createBroker({
    id: `minotake-${kitId}`,
    authenticate(client, username, password, done) {
      const principal = username && password ? check(username, password) : undefined;
      if (!principal) {
        stats.refusedConnections++;
        log.warn({ clientId: client.id, username: username ?? null }, 'MQTT connection refused: bad or missing credentials');
        const error = Object.assign(new Error('bad username or password'), { returnCode: 4 });
        return done(error as never, false);
      }
      principals.set(client, principal);
      done(null, true);
    },
    authorizePublish(client, packet, done) {
      if (!client) return done(null); // the broker's own will messages
      const who = principals.get(client);
      if (!who || !mayPublish(who, kitId, packet.topic)) {
        stats.deniedPublishes++;
        log.warn({ clientId: client.id, username: who?.username, topic: packet.topic }, 'MQTT publish denied by ACL');
        return done(new Error(`not allowed to publish to ${packet.topic}`));
      }
      const parsed = parseTopic(packet.topic);
      const decoded = parsed ? decodePayload(parsed.kind, packet.payload as Buffer) : { ok: false as const, reason: 'unknown topic' };
      if (!decoded.ok) {
        // Divert instead of disconnecting: the sender keeps its session, integrators can see what was wrong.
        stats.malformedPayloads++;
        log.warn({ clientId: client.id, topic: packet.topic, reason: decoded.reason }, 'malformed MQTT payload rejected');
        const original = packet.topic;
        packet.topic = topics.rejectedPublish(kitId);
        packet.retain = false;
        packet.payload = Buffer.from(
          JSON.stringify({
            ts: Date.now(),
            topic: original,
            clientId: client.id,
            reason: decoded.reason,
            payload: Buffer.from(packet.payload as Buffer)
              .subarray(0, MAX_REJECTED_ECHO)
              .toString('utf8'),
          }),
        );
      }
      done(null);
    },
    authorizeSubscribe(client, subscription, done) {
      const who = principals.get(client);
      if (!who || !maySubscribe(who, kitId, subscription.topic)) {
        stats.deniedSubscriptions++;
        log.warn({ clientId: client.id, username: who?.username, filter: subscription.topic }, 'MQTT subscription denied by ACL');
        return done(new Error(`not allowed to subscribe to ${subscription.topic}`), null);
      }
      done(null, subscription);
    },
  });
  aedes.on('client', () => stats.clients++);
  aedes.on('clientDisconnect', () => stats.clients--);

  const server: Server = createServer(aedes.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  log.info({ host: options.host, port }, 'MQTT broker listening');

  return {
    aedes,
    port,
    stats: () => ({ ...stats }),
    /** A credential for a part of the kit that runs in this process (the in-process edge): random, never written anywhere. */
    internalAccount(principal: Principal): { username: string; password: string } {
      const password = randomBytes(24).toString('base64url');
      internal.set(principal.username, { principal, password });
      return { username: principal.username, password };
    },
    onPublish(listener: (packet: PublishPacket, client: Client | null) => void): void {
      aedes.on('publish', listener);
    },
    async stop(): Promise<void> {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type Broker = Awaited<ReturnType<typeof startBroker>>;
