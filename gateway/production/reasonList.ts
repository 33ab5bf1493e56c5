/** The stop-reason list in the kit file: an admin's edit is checked like the whole file and written back with its comments kept. */
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { parseKitConfig } from '../../config/load.js';
import type { StopReasonConfig } from '../../config/productionSchema.js';

/**
 * Replaces `production.reasons` in the kit file and returns the list as the schema fills it in. The file is validated as a whole
 * before it is replaced (a temporary file renamed over it), so a bad edit can never leave a kit that does not start.
 */
export function writeReasons(file: string, reasons: StopReasonConfig[]): StopReasonConfig[] {
  const doc = parseDocument(readFileSync(file, 'utf8'), { uniqueKeys: true });
  if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message ?? 'YAML error'}`);
  doc.setIn(['production', 'reasons'], doc.createNode(reasons, { flow: false }));
  const checked = parseKitConfig(doc.toJS(), file);
  const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temporary, doc.toString({ lineWidth: 0 }));
  renameSync(temporary, file);
  return checked.production.reasons;
}
