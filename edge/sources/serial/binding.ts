/** The serialport binding the edge opens its ports with: the platform's own, with a hung-up tty counted as a disconnect. */
import { read } from 'node:fs';
import { promisify } from 'node:util';
import { type AutoDetectTypes, autoDetect, LinuxBinding, type LinuxBindingInterface } from '@serialport/bindings-cpp';
import { unixRead } from '@serialport/bindings-cpp/dist/unix-read.js';

const readAsync = promisify(read);

/** What a read on a hung-up port fails with; the serial stream turns any read error into a 'close' that carries it. */
export class HangUpError extends Error {
  override readonly name = 'HangUpError';
  readonly code = 'HUP';
  readonly disconnect = true;
  constructor(how: string) {
    super(`the device hung up (${how}): cable pulled or device gone`);
  }
}

/**
 * When a tty hangs up (a USB adapter unplugged, a pty whose other end closed), the kernel makes every read
 * return 0 bytes. bindings-cpp 13 retries such a read at once, for ever: the port never reports close or
 * error and one libuv thread spins at full speed (about 45,000 reads a second in the probe behind issue 8).
 * A tty opened non-blocking with VMIN=1 has no other reason to return 0, so here 0 bytes means "hung up".
 */
async function readOrHangUp(
  fd: number,
  buffer: Buffer,
  offset: number,
  length: number,
  position: null,
): Promise<{ bytesRead: number; buffer: Buffer }> {
  const result = await readAsync(fd, buffer, offset, length, position);
  if (result.bytesRead === 0) throw new HangUpError('read returned end of file');
  return result;
}

const linuxBinding: LinuxBindingInterface = {
  list: () => LinuxBinding.list(),
  async open(options) {
    const port = await LinuxBinding.open(options);
    // Same read as the library's (EAGAIN waits on its poller), only with end of file as a hang-up.
    port.read = async (buffer, offset, length) => {
      try {
        return await unixRead({ binding: port, buffer, offset, length, fsReadAsync: readOrHangUp as typeof readAsync });
      } catch (error) {
        // The poller reports POLLERR, which a hung-up tty raises, as a bare "bad file descriptor" without an errno code.
        const { code, canceled } = error as { code?: string; canceled?: boolean };
        throw code === undefined && !canceled ? new HangUpError('poll reported an error') : error;
      }
    };
    return port;
  },
};

export const serialBinding: AutoDetectTypes = process.platform === 'linux' ? linuxBinding : autoDetect();
