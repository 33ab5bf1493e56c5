/** Reads and rewrites the kit file as a YAML document (comments kept), validated by the config schema, written atomically. */
import { readFileSync } from 'node:fs';
import { type Document, parseDocument } from 'yaml';
import { parseKitYaml } from '../../config/load.js';
import type { KitConfig } from '../../config/schema.js';
import { writePrivateFile } from '../privateFiles.js';

export function readKitDocument(file: string): Document {
  return parseDocument(readFileSync(file, 'utf8'), { keepSourceTokens: false });
}

/** Validates the document as the kit would load it (every problem named) and only then replaces the file. */
export function saveKitDocument(file: string, doc: Document): KitConfig {
  const content = doc.toString({ lineWidth: 0 });
  const config = parseKitYaml(content, file);
  // Atomic and owner-only: the file holds password hashes; a power cut leaves the old file or the new.
  writePrivateFile(file, content);
  return config;
}
