/** CSV for Excel in Japan: UTF-8 with a BOM (without it Japanese Excel reads Shift_JIS and garbles), CRLF, RFC 4180 quoting. */

export const BOM = '\uFEFF';
export const CRLF = '\r\n';

export type CsvValue = string | number | null | undefined;

/** Quotes a field when it holds a comma, a quote or a line break, doubling the quotes inside (RFC 4180). */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * A free-text field a person typed (a machine's name): Excel would run one starting with = + - @ as a formula,
 * so such a value gets a leading apostrophe, which Excel shows as text (OWASP's advice against CSV injection).
 */
export function csvText(value: string | undefined): string {
  if (!value) return '';
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** One record, each field quoted as it needs, ended with CRLF. */
export function csvLine(fields: CsvValue[]): string {
  return fields.map(csvField).join(',') + CRLF;
}

/**
 * BOM and header, then the body. The body's first line is awaited before the header is handed out, so the first query has run
 * by the time a caller commits to a 200: storage that is away becomes an error response, not a download cut off after its header.
 */
export async function* withHeader(header: string[], body: AsyncGenerator<string>): AsyncGenerator<string> {
  const first = await body.next();
  yield BOM + csvLine(header);
  if (first.done) return;
  yield first.value;
  yield* body;
}
