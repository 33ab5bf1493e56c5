/** The exit codes of the kit's life commands, for scripts (documented in docs/cli.md). */
export const EXIT = {
  /** Done; doctor: every check passed. */
  ok: 0,
  /** The command failed on the way (InfluxDB away, a file that cannot be written); the message says what. */
  failed: 1,
  /** Wrong options or an invalid kit file: nothing was changed. */
  usage: 2,
  /** doctor: at least one check failed; wipe: the verification found something left. */
  problems: 3,
  /** doctor: warnings only. */
  warnings: 4,
  /** Refused: the kit is running, the wipe was not confirmed, or the system did not permit it. */
  refused: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
