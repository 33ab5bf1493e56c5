/** Splits a byte stream into lines with a hard length limit, because parser-readline buffers without bound. */
import { Transform, type TransformCallback } from 'node:stream';

const LF = 0x0a;

/**
 * Passes complete lines (each with its LF) downstream and drops any line longer than `maxBytes`
 * whole, calling `onOverlong` once per dropped line. Memory stays below `maxBytes` per stream
 * however long the garbage runs.
 */
export class LineGuard extends Transform {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private discarding = false;

  constructor(
    private readonly maxBytes: number,
    private readonly onOverlong: (bytesSeen: number) => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    let start = 0;
    while (start < chunk.length) {
      const lf = chunk.indexOf(LF, start);
      const end = lf === -1 ? chunk.length : lf + 1;
      const piece = chunk.subarray(start, end);
      this.pendingBytes += piece.length;
      if (!this.discarding) {
        this.pending.push(piece);
        // The LF itself does not count against the limit; a CR before it does (the parser strips it).
        if (this.pendingBytes - (lf === -1 ? 0 : 1) > this.maxBytes) {
          this.discarding = true;
          this.pending = [];
        }
      }
      if (lf !== -1) {
        if (this.discarding) this.onOverlong(this.pendingBytes);
        else this.push(Buffer.concat(this.pending));
        this.discarding = false;
        this.pending = [];
        this.pendingBytes = 0;
      }
      start = end;
    }
    done();
  }
}
