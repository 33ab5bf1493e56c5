/** The GPIO digital-input source driver: its factory, the onoff seam, sysfs number resolution and its error type. */

export {
  DEFAULT_SYSFS_GPIO_ROOT,
  findMainGpioChip,
  type GpioChip,
  MAIN_GPIO_CHIP_LABELS,
  pickMainGpioChip,
  readGpioChips,
  resolveGpioNumber,
} from './gpioBase.js';
export {
  type GpioClass,
  type GpioEdge,
  type GpioLevel,
  type GpioOptions,
  type GpioPin,
  type GpioWatchCallback,
  loadOnoffGpio,
} from './gpioClass.js';
export { GpioError, type GpioErrorCode } from './gpioError.js';
export { createGpioInput, type GpioInputOptions, type GpioInputSource, type GpioInputStats } from './gpioInput.js';
export { createSignalTower, type SignalTower, towerSettingsOf } from './signalTower.js';
