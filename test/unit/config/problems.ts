/** The problems a kit file is rejected with, as `path: reason` in English. */
import { expect } from 'vitest';
import { ConfigError, parseKitYaml } from '../../../config/load.js';

export function problemsOf(text: string): string[] {
  try {
    parseKitYaml(text, 'kit.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map((p) => `${p.path}: ${p.en}`);
  }
  throw new Error('expected the config to be rejected');
}
