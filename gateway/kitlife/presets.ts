/** The kit presets center staff start from (config/kits/*.yaml), found beside the sources or the built files. */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT } from './exitCodes.js';
import { CommandError, text } from './text.js';

const here = dirname(fileURLToPath(import.meta.url));
/** Two levels up from gateway/kitlife in the sources, three from dist/gateway/kitlife. */
export const PRESET_DIR =
  [join(here, '..', '..', 'config', 'kits'), join(here, '..', '..', '..', 'config', 'kits')].find((dir) => existsSync(dir)) ??
  join(here, '..', '..', 'config', 'kits');

export function presetNames(): string[] {
  return existsSync(PRESET_DIR)
    ? readdirSync(PRESET_DIR)
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => f.slice(0, -5))
    : [];
}

/** A preset by name (lending-4ct) or a path to a YAML file. */
export function presetFile(name: string): string {
  const file = /[/\\]|\.ya?ml$/.test(name) ? resolve(name) : join(PRESET_DIR, `${name}.yaml`);
  if (!existsSync(file)) {
    const known = presetNames().join(', ');
    throw new CommandError(
      EXIT.usage,
      text(`プリセット「${name}」がありません（あるもの: ${known}）`, `no preset "${name}" (there are: ${known})`),
    );
  }
  return file;
}
