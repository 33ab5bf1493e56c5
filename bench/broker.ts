/** The broker under an oversized-packet attack: the gateway's RSS at rest beside its RSS while raw sockets announce huge packets. */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadKitConfig } from '../config/load.js';
import { topics } from '../edge/mqtt/topics.js';
import { freePort } from '../gateway/storage/managedInfluxd.js';
import { connectPacket, firstReply, flood, openSocket, publishHeader } from '../test/helpers/mqttRaw.js';
import { report, sleep } from './report.js';

const MB = 1024 * 1024;
const NODE = { username: 'bench-node', password: 'bench-node-password' };

/** The demo kit as its own process, a node account beside it; 3 × 200 MB CONNECT announcements, then a 50 MB publish from the node. */
export async function brokerAttackRss(dir: string, root: string): Promise<void> {
  const demo = loadKitConfig(join(root, 'config', 'kits', 'demo.yaml'));
  const brokerPort = await freePort();
  const config = {
    ...demo,
    dataDir: join(dir, 'attack-var'),
    sources: {
      ...demo.sources,
      serial: demo.sources.serial.map((s) => ({ ...s, path: join(dir, 'attack-pty', `${s.id}-edge`) })),
      modbus: demo.sources.modbus.map((b) => ({ ...b, path: join(dir, 'attack-pty', `${b.id}-edge`) })),
    },
    broker: { ...demo.broker, host: '127.0.0.1', port: brokerPort, accounts: [{ ...NODE, role: 'node' as const, node: 'node-a' }] },
    http: { ...demo.http, host: '127.0.0.1', port: 0 },
  };
  const file = join(dir, 'attack.yaml');
  writeFileSync(file, stringify(config));
  const child = spawn(process.execPath, [join(root, 'dist', 'gateway', 'cli.js'), 'run', '--config', file], {
    stdio: 'ignore',
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  try {
    const listening = () =>
      openSocket(brokerPort).then(
        (socket) => Boolean(socket.destroy()),
        () => false,
      );
    for (let i = 0; !(await listening()); i++) {
      if (i > 600) throw new Error('the gateway did not open its MQTT port within 60 s');
      await sleep(100);
    }
    const rest: number[] = [];
    for (let i = 0; i < 20; i++) {
      await sleep(500);
      rest.push(rss());
    }
    // The node signs in first: scrypt's 16 MB work area is the price of a login, not of the attack.
    const node = await openSocket(brokerPort);
    const connack = firstReply(node);
    node.write(connectPacket({ clientId: 'bench-node', ...NODE }));
    const reply = await connack;
    if (reply?.[3] !== 0) throw new Error(`the bench node account was not accepted: ${reply?.toString('hex')}`);
    await sleep(1000);
    const signedIn = rss();
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rss());
    }, 20);
    const started = performance.now();
    const header = Buffer.from([0x10, 0x80, 0x80, 0x80, 0x64]); // CONNECT, remaining length 200 MB
    const connects = await Promise.all([0, 1, 2].map(async () => flood(await openSocket(brokerPort), header, 200 * MB)));
    const publish = await flood(node, publishHeader(topics.nodeCurrent(demo.kit.id, 'node-a'), 50 * MB), 50 * MB);
    const attackMs = performance.now() - started;
    await sleep(1000);
    clearInterval(sampler);
    const after = rss();
    const sent = [...connects, publish].reduce((sum, r) => sum + r.written, 0);
    const max = Math.max(...rest);
    report('gateway RSS at rest', `${max.toFixed(0)} MB max, ${rest.at(-1)?.toFixed(0)} MB last`, 'demo.yaml, 10 s, simulator at 1 Hz');
    report('  … after one MQTT login', `${signedIn.toFixed(0)} MB`, 'a node account signs in (scrypt N=16384, r=8: a 16 MB work area)');
    report(
      '  … during an oversized-packet attack',
      `${peak.toFixed(0)} MB peak (+${(peak - signedIn).toFixed(1)} MB)`,
      `3 raw sockets announcing 200 MB CONNECTs + that node's 50 MB publish, all closed at the header in ${attackMs.toFixed(0)} ms; ` +
        `${(sent / MB).toFixed(1)} MB written before the closes`,
    );
    report('  … 1 s after the attack', `${after.toFixed(0)} MB`, `broker.maxPacketBytes = ${demo.broker.maxPacketBytes} bytes`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}
