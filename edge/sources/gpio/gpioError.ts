/** The one error type of the GPIO input driver: a code to branch on, a message in English and Japanese, and the cause. */

export type GpioErrorCode =
  /** No sysfs GPIO on this machine, or this user may not use it. */
  | 'GPIO_UNAVAILABLE'
  /** The onoff module (or its native epoll addon) could not be loaded. */
  | 'GPIO_DRIVER_UNAVAILABLE'
  /** sysfs GPIO exists but no chip looks like the Pi's main GPIO controller. */
  | 'GPIO_NO_CHIP'
  /** The BCM pin is not on the main controller (pin ≥ ngpio). */
  | 'GPIO_PIN_OUT_OF_RANGE'
  /** The kernel refused the sysfs number (EINVAL): usually a wrong numbering base. */
  | 'GPIO_INVALID_NUMBER'
  /** The pin is already claimed by a kernel driver or another process (EBUSY). */
  | 'GPIO_BUSY'
  /** The sysfs files exist but this user may not write them (EACCES / EPERM). */
  | 'GPIO_ACCESS_DENIED'
  /** Any other failure while exporting or configuring the pin. */
  | 'GPIO_OPEN_FAILED'
  /** The pin opened but its value could not be read. */
  | 'GPIO_READ_FAILED';

export class GpioError extends Error {
  override readonly name = 'GpioError';

  constructor(
    readonly code: GpioErrorCode,
    readonly en: string,
    readonly ja: string,
    options?: { cause?: unknown },
  ) {
    super(`${en} / ${ja}`, options);
  }

  /** The same error with a prefix naming the input, so a log line says which lamp or switch is affected. */
  withContext(en: string, ja: string): GpioError {
    return new GpioError(this.code, `${en}: ${this.en}`, `${ja}: ${this.ja}`, { cause: this.cause });
  }
}

/** The errno code of a Node fs error (`EINVAL`, `EBUSY`, …), if there is one. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}
