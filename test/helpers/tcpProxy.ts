/** A TCP relay in front of the kit's broker that a test can cut or black-hole: the factory Wi-Fi going away, on loopback. */
import { connect, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Connections reset and new ones refused: the access point rebooted, the node walked out of range and back. */
  cut(): void;
  /** Bytes stop flowing both ways but nothing is closed: a link that died silently; only keepalives notice. */
  blackhole(): void;
  /** The link is back for new connections. */
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  let mode: 'up' | 'cut' | 'blackhole' = 'up';
  /** Every socket on either side, so that close() leaves nothing open. */
  const sockets = new Set<Socket>();
  /** Relayed connections whose bytes still flow. */
  const live = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
  };
  const server = createServer((client) => {
    track(client);
    if (mode === 'cut') {
      client.destroy();
      return;
    }
    // Black-holed: accepted, never answered, as when the packets go nowhere.
    if (mode === 'blackhole') return;
    const upstream = connect(targetPort, targetHost);
    track(upstream);
    live.add(client);
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (chunk: Buffer) => {
        if (live.has(client)) to.write(chunk);
      });
    forward(client, upstream);
    forward(upstream, client);
    const end = () => {
      live.delete(client);
      client.destroy();
      upstream.destroy();
    };
    client.once('close', end);
    upstream.once('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const destroyAll = () => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    port,
    cut() {
      mode = 'cut';
      destroyAll();
    },
    blackhole() {
      mode = 'blackhole';
      // The relayed connections stay open but silent; they end when a keepalive gives up.
      live.clear();
    },
    restore() {
      mode = 'up';
    },
    async close() {
      destroyAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
