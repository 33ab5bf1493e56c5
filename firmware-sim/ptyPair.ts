/** A virtual serial cable from two socat pseudo-terminals: the node writes one end, the edge reads the other. */
import { type ChildProcess, spawn } from 'node:child_process';
import { lstat, mkdir, realpath, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface PtyPairOptions {
  /** Path of the symlink the simulated node writes to. */
  nodeLink: string;
  /** Path of the symlink the edge opens as its serial port. */
  edgeLink: string;
  /** The socat binary (default `socat` on the PATH). */
  socatPath?: string;
  /** How long to wait for socat to set up both ends (default 5000 ms). */
  timeoutMs?: number;
}

export interface PtyPair {
  readonly nodeLink: string;
  readonly edgeLink: string;
  /** The pseudo-terminals behind the links, e.g. /dev/pts/3. */
  readonly nodeDevice: string;
  readonly edgeDevice: string;
  readonly pid: number;
  /** Resolves with socat's exit code (null if killed by a signal) whenever it exits. */
  readonly exited: Promise<number | null>;
  /** Pulls the cable: socat is stopped, both links disappear. Open a new pair on the same links to plug it back. */
  close(): Promise<void>;
}

export type PtyErrorCode = 'SOCAT_NOT_FOUND' | 'SOCAT_FAILED' | 'PTY_TIMEOUT' | 'PTY_LINK_IN_USE' | 'PTY_BAD_LINK';

export class PtyError extends Error {
  override readonly name = 'PtyError';
  constructor(
    readonly code: PtyErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

// socat must not outlive the process that started it (a crashed test, a Ctrl-C'd demo): it would keep
// the links, and the next run could not create them.
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of live) c.kill('SIGTERM');
    });
  }
}

// socat reads its address as comma-separated options; these characters would change its meaning.
const UNSAFE_LINK = /[,!:"'\\\s]/;

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * A dangling symlink left by a socat that was killed hard is removed. A link whose pty still exists
 * belongs to a running socat (another simulator, another test) and is refused rather than stolen.
 */
async function clearStaleLink(path: string): Promise<void> {
  const info = await lstat(path).catch(() => null);
  if (!info) return;
  if (!info.isSymbolicLink()) throw new PtyError('PTY_LINK_IN_USE', `${path} exists and is not a symlink left by socat; not touching it`);
  const target = await realpath(path).catch(() => null);
  if (target !== null) throw new PtyError('PTY_LINK_IN_USE', `${path} is in use (it points to ${target}); close the other pty pair first`);
  await unlink(path).catch(() => {});
}

/**
 * Starts `socat -d -d pty,raw,echo=0,link=<edgeLink> pty,raw,echo=0,link=<nodeLink>` and resolves once
 * both links exist and socat has started copying. Throws a PtyError naming the fix when socat is missing.
 */
export async function openPtyPair(options: PtyPairOptions): Promise<PtyPair> {
  const { nodeLink, edgeLink } = options;
  for (const link of [nodeLink, edgeLink]) {
    if (UNSAFE_LINK.test(link))
      throw new PtyError(
        'PTY_BAD_LINK',
        `link path ${JSON.stringify(link)} must not contain , ! : quotes, backslashes or spaces (socat syntax)`,
      );
  }
  await clearStaleLink(nodeLink);
  await clearStaleLink(edgeLink);
  await mkdir(dirname(nodeLink), { recursive: true });
  await mkdir(dirname(edgeLink), { recursive: true });

  const child = spawn(options.socatPath ?? 'socat', ['-d', '-d', `pty,raw,echo=0,link=${edgeLink}`, `pty,raw,echo=0,link=${nodeLink}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  if (child.pid !== undefined) track(child);

  let log = '';
  const devices: string[] = [];
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(
        new PtyError(
          'PTY_TIMEOUT',
          `socat did not set up ${edgeLink} and ${nodeLink} within ${options.timeoutMs ?? 5000} ms:\n${log.trim()}`,
        ),
      );
    }, options.timeoutMs ?? 5000);
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error.code === 'ENOENT')
        reject(new PtyError('SOCAT_NOT_FOUND', "socat not found: install it with 'apt-get install socat'", { cause: error }));
      else reject(new PtyError('SOCAT_FAILED', `socat could not be started: ${error.message}`, { cause: error }));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new PtyError('SOCAT_FAILED', `socat exited (${signal ?? code}) before the pty pair was ready:\n${log.trim()}`));
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      // Only the tail is kept: socat -d -d keeps logging for as long as it runs.
      log = (log + text).slice(-8192);
      for (const match of text.matchAll(/PTY is (\S+)/g)) devices.push(match[1] as string);
      if (/starting data transfer loop/.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });

  try {
    await ready;
    // socat creates the links before it says so, but check: the whole point is that the paths work.
    if (!(await exists(edgeLink)) || !(await exists(nodeLink)))
      throw new PtyError('SOCAT_FAILED', `socat started but ${edgeLink} or ${nodeLink} is missing`);
  } catch (error) {
    child.kill('SIGTERM');
    await exited;
    throw error;
  }

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const hard = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(hard);
      }
      // SIGTERM makes socat remove its links; after a SIGKILL they would be left dangling.
      for (const link of [nodeLink, edgeLink]) {
        const info = await lstat(link).catch(() => null);
        if (info?.isSymbolicLink()) await unlink(link).catch(() => {});
      }
    })();
    return closing;
  };

  return {
    nodeLink,
    edgeLink,
    edgeDevice: devices[0] ?? '',
    nodeDevice: devices[1] ?? '',
    pid: child.pid as number,
    exited,
    close,
  };
}
