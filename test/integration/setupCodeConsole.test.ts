/** The `minotake run` process as systemd and a person at a terminal see it: where the first admin's setup code appears. */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { requireCommand, tempDir, waitFor } from '../helpers/services.js';

const CLI = join(import.meta.dirname, '../../dist/gateway/cli.js');
const CODE = /\b[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}\b/;

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A kit with no user yet; InfluxDB is pointed at a closed port, which the kit survives (it spools) and this test needs not. */
function kitFile(): { dir: string; file: string } {
  const dir = tempDir('setup-console');
  cleanups.push(() => dir.remove());
  const file = join(dir.path, 'kit.yaml');
  writeFileSync(
    file,
    stringify({
      kit: { id: 'k1', site: 'setup' },
      dataDir: join(dir.path, 'var'),
      storage: { influx: { url: 'http://127.0.0.1:9' } },
      broker: { host: '127.0.0.1', port: 0 },
      http: { host: '127.0.0.1', port: 0 },
    }),
  );
  return { dir: dir.path, file };
}

/** Starts the command in its own process group (so that `script` and the kit under it stop together) and gathers all it prints. */
function start(command: string, args: string[]): { output: () => string; child: ChildProcess } {
  requireCommand(command, 'apt-get install bsdutils');
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, LOG_LEVEL: 'info' } });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  cleanups.push(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-(child.pid as number), 'SIGTERM');
    await exited;
  });
  return { output: () => output, child };
}

async function httpPortOf(output: () => string): Promise<number> {
  const port = await waitFor(
    'the kit to print its dashboard address',
    () => /Dashboard: http:\/\/<this-host>:(\d+)\//.exec(output())?.[1],
    60_000,
  );
  return Number(port);
}

const setup = (port: number, code: string) =>
  fetch(`http://127.0.0.1:${port}/api/auth/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, username: 'center', password: 'center-password-1' }),
  });

describe('the setup code of a kit with no user', () => {
  it('under a service manager (no terminal), goes to an owner-only file; the journal only says where', async () => {
    const { dir, file } = kitFile();
    const kit = start(process.execPath, [CLI, 'run', '--config', file, '--no-sim']);
    const port = await httpPortOf(kit.output);
    const codeFile = join(dir, 'var', 'setup-code.txt');
    expect(statSync(codeFile).mode & 0o777).toBe(0o600);
    const code = CODE.exec(readFileSync(codeFile, 'utf8'))?.[0] as string;
    expect(code).toBeDefined();
    // Everything the process printed — pino's log lines and the banner alike — names the file and never the code.
    await waitFor('the log line naming the file', () => kit.output().includes(`"file":"${codeFile}"`));
    expect(kit.output()).toContain(`the one-time setup code is in ${codeFile}`);
    expect(kit.output()).not.toMatch(CODE);

    expect((await setup(port, code)).status).toBe(201);
    expect(existsSync(codeFile)).toBe(false);
  });

  it('on an interactive terminal, is shown there and written nowhere', async () => {
    const { dir, file } = kitFile();
    // script(1) runs the kit on a pseudo-terminal, as a person's ssh session would.
    const kit = start('script', ['-qfec', `'${process.execPath}' '${CLI}' run --config '${file}' --no-sim`, '/dev/null']);
    const port = await httpPortOf(kit.output);
    const code = CODE.exec(kit.output())?.[0] as string;
    expect(code).toBeDefined();
    expect(existsSync(join(dir, 'var', 'setup-code.txt'))).toBe(false);
    expect((await setup(port, code)).status).toBe(201);
  });
});
