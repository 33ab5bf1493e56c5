/** Thresholds into the kit file (validated, atomic, comments kept) and from it into the running edge, without a restart. */
import { watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';
import { isMap, isSeq, type YAMLMap } from 'yaml';
import { loadKitConfig } from '../../../config/load.js';
import type { KitConfig, Thresholds } from '../../../config/schema.js';
import { readKitDocument, saveKitDocument } from '../kitFile.js';

/** Sets one machine's thresholds in the kit file; the whole file is validated before it replaces the old one. */
export function saveThresholds(file: string, machineId: string, thresholds: Thresholds): KitConfig {
  const doc = readKitDocument(file);
  const machines = doc.get('machines');
  const item = isSeq(machines) ? machines.items.find((m) => isMap(m) && m.get('id') === machineId) : undefined;
  if (!item) throw new Error(`no machine "${machineId}" in ${file}`);
  (item as YAMLMap).set('thresholds', doc.createNode({ ...thresholds }, { flow: true }));
  return saveKitDocument(file, doc);
}

const same = (a?: Thresholds, b?: Thresholds) =>
  a?.idleAbove === b?.idleAbove && a?.runAbove === b?.runAbove && a?.hysteresis === b?.hysteresis;

/**
 * Watches the kit file (its folder, since an atomic write replaces the file) and hands changed thresholds to `apply`;
 * the config object is updated in place so the API shows them. A file that does not validate is logged and ignored.
 */
export function watchThresholds(
  file: string,
  config: KitConfig,
  apply: (machineId: string, t: Thresholds) => void,
  log: Logger,
): () => void {
  let timer: NodeJS.Timeout | undefined;
  const reload = () => {
    let next: KitConfig;
    try {
      next = loadKitConfig(file);
    } catch (error) {
      log.warn({ err: (error as Error).message.split('\n')[0] }, 'kit file changed but is not valid: thresholds kept as they were');
      return;
    }
    for (const machine of config.machines) {
      const updated = next.machines.find((m) => m.id === machine.id);
      if (!updated?.thresholds || same(updated.thresholds, machine.thresholds)) continue;
      machine.thresholds = updated.thresholds;
      apply(machine.id, updated.thresholds);
    }
  };
  const watcher = watch(dirname(file), (_event, name) => {
    if (name !== basename(file)) return;
    clearTimeout(timer);
    timer = setTimeout(reload, 300);
  });
  watcher.on('error', (error) => log.warn({ err: error.message }, 'kit file watch stopped'));
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}
