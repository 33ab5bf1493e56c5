/** The stop-reason list in the kit file: an admin's edit is checked like the whole file and written back with its comments kept. */
import type { StopReasonConfig } from '../../config/productionSchema.js';
import { readKitDocument, saveKitDocument } from '../kitlife/kitFile.js';

/** Replaces `production.reasons` in the kit file; the file is validated whole before it is replaced, so a bad edit never leaves a kit that does not start. */
export function writeReasons(file: string, reasons: StopReasonConfig[]): StopReasonConfig[] {
  const doc = readKitDocument(file);
  doc.setIn(['production', 'reasons'], doc.createNode(reasons));
  return saveKitDocument(file, doc).production.reasons;
}
