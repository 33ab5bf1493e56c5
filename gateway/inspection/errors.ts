/** The inspection trial's errors: a stable code, a message in English and Japanese, and the file they concern. */
export type InspectionErrorCode =
  | 'UNSUPPORTED_IMAGE'
  | 'BROKEN_IMAGE'
  | 'IMAGE_TOO_LARGE'
  | 'IMAGE_TOO_SMALL'
  | 'BROKEN_ARCHIVE'
  | 'ARCHIVE_TOO_LARGE'
  | 'TOO_MANY_IMAGES'
  | 'NOT_ENOUGH_IMAGES'
  | 'NO_SUCH_TRIAL'
  | 'NO_SUCH_IMAGE'
  | 'NOT_FITTED'
  | 'BUSY'
  | 'CANCELLED'
  | 'BACKBONE_UNAVAILABLE'
  | 'WORKER_FAILED'
  /** The runtime process died during the job (killed, out of memory, over its memory cap, a crash). */
  | 'RUNTIME_FAILED';

export class InspectionError extends Error {
  constructor(
    readonly code: InspectionErrorCode,
    message: string,
    readonly messageJa: string,
    /** The file (or archive entry) the error is about, when there is one. */
    readonly file?: string,
  ) {
    super(message);
    this.name = 'InspectionError';
  }

  body(): { code: string; message: string; messageJa: string; file?: string } {
    return { code: this.code, message: this.message, messageJa: this.messageJa, ...(this.file ? { file: this.file } : {}) };
  }

  /** A plain object that survives the IPC channel between the runtime and the service. */
  static fromPlain(plain: { code: InspectionErrorCode; message: string; messageJa: string; file?: string }): InspectionError {
    return new InspectionError(plain.code, plain.message, plain.messageJa, plain.file);
  }
}

export function isInspectionError(value: unknown): value is InspectionError {
  return value instanceof InspectionError;
}
