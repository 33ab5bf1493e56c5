/** Files a command wrote outside the data folder (an export or a report on the kit's own disk, a label elsewhere), so wipe finds them too. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writePrivateFile } from '../privateFiles.js';

export interface OutsideTrace {
  path: string;
  what: 'export' | 'label' | 'report';
  at: number;
}

const file = (dataDir: string) => join(dataDir, 'outside-traces.json');

export function readOutsideTraces(dataDir: string): OutsideTrace[] {
  try {
    return JSON.parse(readFileSync(file(dataDir), 'utf8')) as OutsideTrace[];
  } catch {
    return [];
  }
}

export function noteOutsideTrace(dataDir: string, path: string, what: OutsideTrace['what']): void {
  if (path.startsWith(`${dataDir}/`)) return;
  const traces = readOutsideTraces(dataDir).filter((t) => t.path !== path);
  writePrivateFile(file(dataDir), JSON.stringify([...traces, { path, what, at: Date.now() }]));
}
