#!/usr/bin/env node
/**
 * The simulated inspection camera: `--sample <dir>` writes a trial's worth of part images (ok/, ng/<defect>/);
 * `--drop <dir>` keeps dropping parts into a watched folder like a camera's FTP upload.
 */
import { parseArgs } from 'node:util';
import { startCamera } from './camera.js';
import { writeSample } from './sample.js';

const { values } = parseArgs({
  options: {
    sample: { type: 'string' },
    drop: { type: 'string' },
    good: { type: 'string', default: '30' },
    'per-defect': { type: 'string', default: '3' },
    size: { type: 'string', default: '256' },
    interval: { type: 'string', default: '5' },
    'defect-rate': { type: 'string', default: '0.15' },
    help: { type: 'boolean', default: false },
  },
});

if (values.help || (!values.sample && !values.drop)) {
  process.stdout.write(
    'usage: camera --sample <dir> [--good 30] [--per-defect 3] [--size 256]\n' +
      '       camera --drop <dir> [--interval 5] [--defect-rate 0.15] [--size 256]\n',
  );
  process.exit(values.help ? 0 : 2);
}
const size = Number(values.size);
if (values.sample) {
  const files = writeSample(values.sample, { good: Number(values.good), perDefect: Number(values['per-defect']), size });
  process.stdout.write(`${files.length} images written to ${values.sample}\n`);
} else if (values.drop) {
  const camera = startCamera({
    folder: values.drop,
    size,
    intervalMs: Number(values.interval) * 1000,
    defectRate: Number(values['defect-rate']),
  });
  process.on('SIGTERM', () => {
    camera.stop();
    process.exit(0);
  });
}
