/** What a running kit tells the commands beside it: its pid and the ports it chose (a kit file may say port 0). */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writePrivateFile } from '../privateFiles.js';

export interface RunInfo {
  pid: number;
  httpPort: number;
  brokerPort: number;
  https: boolean;
  basePath: string;
  startedAt: number;
}

const file = (dataDir: string) => join(dataDir, 'kit.run.json');

export function writeRunInfo(dataDir: string, info: RunInfo): () => void {
  writePrivateFile(file(dataDir), JSON.stringify(info));
  return () => rmSync(file(dataDir), { force: true });
}

export function readRunInfo(dataDir: string): RunInfo | undefined {
  try {
    return JSON.parse(readFileSync(file(dataDir), 'utf8')) as RunInfo;
  } catch {
    return undefined;
  }
}
