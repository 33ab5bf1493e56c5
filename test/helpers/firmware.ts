/** The sensor node's firmware under test: built with its own Makefile, the host core driven over stdin, the AVR .elf run in simavr. */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { requireCommand } from './services.js';

// Two levels up from test/helpers/, three from dist/test/helpers/ when the benchmark runs compiled.
export const FIRMWARE_DIR = ['../../firmware', '../../../firmware']
  .map((up) => join(import.meta.dirname, up))
  .find((dir) => existsSync(join(dir, 'Makefile'))) as string;

const TOOLS = {
  host: [['gcc', 'apt-get install gcc make']],
  avr: [['avr-gcc', 'apt-get install gcc-avr avr-libc']],
  sim: [
    ['gcc', 'apt-get install gcc make'],
    ['simavr', 'apt-get install simavr libsimavr-dev libelf-dev'],
  ],
} as const;
const ARTIFACT = { host: 'host/core-cli', avr: 'avr/minotake-node.elf', sim: 'sim/node-sim' } as const;

/**
 * Builds one firmware target into `buildDir` (each test file its own, so two running at once never share a half-written
 * file) and returns the artifact's path. Node settings go in as make variables: { NODE_ID: 'node-b', CT_COUNT: '2' }.
 */
export function buildFirmware(target: keyof typeof ARTIFACT, buildDir: string, vars: Record<string, string> = {}): string {
  requireCommand('make', 'apt-get install make');
  for (const [command, install] of TOOLS[target]) requireCommand(command, install);
  if (target === 'sim' && !existsSync('/usr/include/simavr/sim_avr.h'))
    throw new Error("simavr's headers not found: install them with 'apt-get install libsimavr-dev libelf-dev' (see .ci/run).");
  const settings = Object.entries(vars).map(([k, v]) => `${k}=${v}`);
  try {
    execFileSync('make', ['-s', '-C', FIRMWARE_DIR, target, `BUILD=${buildDir}`, ...settings], { stdio: 'pipe' });
  } catch (error) {
    const e = error as { stderr?: Buffer; stdout?: Buffer };
    throw new Error(`make ${target} failed:\n${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`);
  }
  return join(buildDir, ARTIFACT[target]);
}

/** A line-oriented child process: each request is one line on stdin, its answer the next lines on stdout. */
export class LineProcess {
  private readonly lines: string[] = [];
  private waiting: (() => void) | null = null;
  private stderr = '';
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    // Split on LF only (readline would also eat the CR that every protocol line must end with).
    let partial = '';
    child.stdout.setEncoding('latin1');
    child.stdout.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() as string;
      this.lines.push(...parts);
      this.waiting?.();
    });
    child.stderr.on('data', (c: Buffer) => {
      this.stderr = (this.stderr + c.toString()).slice(-4000);
    });
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    void this.exited.then(() => this.waiting?.());
  }

  /** The next line on stdout (waits for it); fails if the process ends first. */
  async next(timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.lines.length === 0) {
      if (this.child.exitCode !== null || this.child.signalCode !== null)
        throw new Error(`${this.child.spawnfile} exited (${this.child.exitCode ?? this.child.signalCode}): ${this.stderr.trim()}`);
      if (Date.now() > deadline) throw new Error(`${this.child.spawnfile} gave no answer within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.waiting = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiting = null;
    }
    return this.lines.shift() as string;
  }

  /** Sends one request and returns its answer lines: one, or up to and including the line `last` accepts. */
  async ask(request: string, last: (line: string) => boolean = () => true): Promise<string[]> {
    this.child.stdin.write(`${request}\n`);
    const answer: string[] = [];
    for (;;) {
      const line = await this.next();
      answer.push(line);
      if (last(line)) return answer;
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.stdin.end();
    const hard = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(hard);
  }
}

/** The portable core compiled for this computer. */
export function startCoreCli(path: string): LineProcess {
  return new LineProcess(spawn(path, [], { stdio: ['pipe', 'pipe', 'pipe'] }));
}

export interface NodeSim {
  /** The pseudo-terminal the edge opens as the node's serial port. */
  pty: string;
  /** One harness command (`amps 1 12.5`, `sht nack`, …); resolves with its answer, fails on "error". */
  command(text: string): Promise<string>;
  /** Simulated seconds since power-up and the bytes the UART sent. */
  status(): Promise<{ seconds: number; sent: number; dropped: number; shtReads: number }>;
  stop(): Promise<void>;
}

/** Runs the AVR firmware in the simavr harness; `fast` lets simulated time run ahead of the wall clock. */
export async function startNodeSim(harness: string, elf: string, options: { fast?: boolean } = {}): Promise<NodeSim> {
  const process = new LineProcess(spawn(harness, [elf, ...(options.fast ? ['--fast'] : [])], { stdio: ['pipe', 'pipe', 'pipe'] }));
  let pty = '';
  for (;;) {
    const line = await process.next();
    if (line.startsWith('pty ')) pty = line.slice(4);
    if (line === 'ready') break;
  }
  if (!pty) throw new Error('node-sim did not say which pseudo-terminal it opened');
  const command = async (text: string) => {
    const [answer] = (await process.ask(text)) as [string];
    if (answer.startsWith('error')) throw new Error(`node-sim refused "${text}": ${answer}`);
    return answer;
  };
  return {
    pty,
    command,
    async status() {
      const fields = Object.fromEntries(
        (await command('status'))
          .split(' ')
          .slice(1)
          .map((kv) => kv.split('=') as [string, string]),
      );
      return {
        seconds: Number(fields.seconds),
        sent: Number(fields.sent),
        dropped: Number(fields.dropped),
        shtReads: Number(fields.sht_reads),
      };
    },
    stop: () => process.stop(),
  };
}
