/** A flood of HTTP logins: the event loop's delay and another request's latency while it lasts, scrypt on the loop against off it. */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { decoyHash, verifyPassword } from '../gateway/broker/password.js';
import { requestFrom } from '../test/helpers/http.js';
import { makeKit } from '../test/unit/gateway/auth/harness.js';
import { percentile, report, sleep } from './report.js';

const LOGINS = 120;
const PROBE_EVERY_MS = 20;

/** One flood against a fresh server; `synchronous` puts back the login's old scrypt on the event loop, for the baseline. */
async function flood(
  dir: string,
  synchronous: boolean,
): Promise<{ loopMs: number[]; maxLoopMs: number; probeMs: number[]; seconds: number }> {
  const kit = await makeKit({ dir: join(dir, synchronous ? 'auth-sync' : 'auth-async') });
  kit.store.addUser('admin', 'admin-pass-0004', 'admin');
  if (synchronous) {
    const stored = JSON.parse(readFileSync(join(kit.dir, 'auth', 'users.json'), 'utf8')).users[0].passwordHash as string;
    const decoy = decoyHash();
    kit.store.verifyLogin = async (username, password) => {
      verifyPassword(password, username === 'admin' ? stored : decoy);
      return undefined;
    };
  }
  await kit.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = kit.app.server.address() as AddressInfo;
  const loop = monitorEventLoopDelay({ resolution: 10 });
  const probeMs: number[] = [];
  let flooding = true;
  const prober = (async () => {
    while (flooding) {
      const probe = await requestFrom(port, '/test/public', '127.0.0.2');
      probeMs.push(probe.answeredAt - probe.startedAt);
      await sleep(PROBE_EVERY_MS);
    }
  })();
  loop.enable();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: LOGINS }, (_, i) =>
      requestFrom(port, '/api/auth/login', `127.0.${1 + Math.floor(i / 200)}.${10 + (i % 200)}`, {
        username: i % 2 ? `guess-${i}` : 'admin',
        password: `not-the-password-${i}`,
      }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  loop.disable();
  flooding = false;
  await prober;
  await kit.close();
  const ms = (p: number) => loop.percentile(p) / 1e6;
  return { loopMs: [ms(50), ms(99)], maxLoopMs: loop.max / 1e6, probeMs, seconds };
}

export async function loginFlood(dir: string): Promise<void> {
  for (const synchronous of [true, false]) {
    const r = await flood(dir, synchronous);
    const label = synchronous ? 'login flood, scrypt on the loop (before)' : 'login flood, scrypt off the loop (now)';
    report(
      label,
      `loop delay p99 ${r.loopMs[1]?.toFixed(0)} ms, max ${r.maxLoopMs.toFixed(0)} ms`,
      `${LOGINS} wrong logins at once from ${LOGINS} addresses, answered in ${r.seconds.toFixed(1)} s (scrypt N=16384)`,
    );
    report(
      '  … another request meanwhile',
      `p50 ${percentile(r.probeMs, 50).toFixed(0)} ms, p99 ${percentile(r.probeMs, 99).toFixed(0)} ms`,
      `GET every ${PROBE_EVERY_MS} ms during the flood, ${r.probeMs.length} requests`,
    );
  }
}
