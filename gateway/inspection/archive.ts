/**
 * Images out of a zip archive, with the limits a hostile archive needs: a cap on entries, on each entry's size and on the
 * total, checked against what the archive declares before inflating and against what actually comes out while inflating.
 */
import { basename, dirname } from 'node:path';
import type { Entry } from 'yauzl';
import { InspectionError } from './errors.js';

export interface ArchiveLimits {
  maxEntries: number;
  maxEntryBytes: number;
  maxTotalBytes: number;
}

export interface ArchiveEntry {
  /** Path inside the archive. */
  name: string;
  /** The folders the file sits in, outermost first (ok/, ng/<defect>/ tell role and defect class). */
  folders: string[];
  bytes: Buffer;
}

export interface ArchiveSkip {
  file: string;
  code: string;
  message: string;
  messageJa: string;
}

const IMAGE_NAME = /\.(jpe?g|png)$/i;

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

function broken(name: string, detail: string): InspectionError {
  return new InspectionError(
    'BROKEN_ARCHIVE',
    `${name}: the zip archive is damaged (${detail})`,
    `${name}: zip ファイルが壊れています（${detail}）`,
    name,
  );
}

export async function readArchive(
  bytes: Buffer,
  archiveName: string,
  limits: ArchiveLimits,
): Promise<{ entries: ArchiveEntry[]; skipped: ArchiveSkip[] }> {
  // Loaded with the first zip: a kit that is never sent one does not carry the reader.
  const { default: yauzl } = await import('yauzl');
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(bytes, { lazyEntries: true, validateEntrySizes: true, strictFileNames: false }, (error, zip) => {
      if (error || !zip) {
        reject(broken(archiveName, error?.message ?? 'unreadable'));
        return;
      }
      if (zip.entryCount > limits.maxEntries) {
        zip.close();
        reject(
          new InspectionError(
            'TOO_MANY_IMAGES',
            `${archiveName}: ${zip.entryCount} entries, more than the ${limits.maxEntries} the kit takes at once`,
            `${archiveName}: ${zip.entryCount} 個のファイルがあり、一度に受け付ける上限（${limits.maxEntries}）を超えています`,
            archiveName,
          ),
        );
        return;
      }
      const entries: ArchiveEntry[] = [];
      const skipped: ArchiveSkip[] = [];
      let total = 0;
      const fail = (e: InspectionError) => {
        zip.close();
        reject(e);
      };
      zip.on('error', (e: Error) => fail(broken(archiveName, e.message)));
      zip.on('end', () => resolve({ entries, skipped }));
      zip.on('entry', (entry: Entry) => {
        const name = entry.fileName;
        const base = basename(name);
        if (name.endsWith('/') || name.startsWith('__MACOSX/') || base.startsWith('.')) {
          zip.readEntry();
          return;
        }
        if (!IMAGE_NAME.test(base)) {
          skipped.push({
            file: name,
            code: 'UNSUPPORTED_IMAGE',
            message: `${name}: not a .jpg or .png file, left out`,
            messageJa: `${name}: .jpg / .png ではないため除外しました`,
          });
          zip.readEntry();
          return;
        }
        if (entry.uncompressedSize > limits.maxEntryBytes) {
          skipped.push({
            file: name,
            code: 'IMAGE_TOO_LARGE',
            message: `${name}: ${(entry.uncompressedSize / 1048576).toFixed(1)} MB unpacked, over the per-image limit`,
            messageJa: `${name}: 展開後 ${(entry.uncompressedSize / 1048576).toFixed(1)} MB で、1 枚あたりの上限を超えています`,
          });
          zip.readEntry();
          return;
        }
        total += entry.uncompressedSize;
        if (total > limits.maxTotalBytes) {
          fail(
            new InspectionError(
              'ARCHIVE_TOO_LARGE',
              `${archiveName}: more than ${(limits.maxTotalBytes / 1048576).toFixed(0)} MB once unpacked`,
              `${archiveName}: 展開後のサイズが ${(limits.maxTotalBytes / 1048576).toFixed(0)} MB を超えています`,
              archiveName,
            ),
          );
          return;
        }
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) {
            fail(broken(archiveName, streamError?.message ?? name));
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          stream.on('data', (chunk: Buffer) => {
            size += chunk.length;
            // yauzl also checks the declared size; this is the belt to its braces.
            if (size > limits.maxEntryBytes) stream.destroy(new Error(`${name} inflates past its declared size`));
            else chunks.push(chunk);
          });
          stream.on('error', (e: Error) => fail(broken(archiveName, e.message)));
          stream.on('end', () => {
            const folder = dirname(name);
            entries.push({ name, folders: folder === '.' ? [] : folder.split('/'), bytes: Buffer.concat(chunks) });
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}
