import { describe, expect, it } from 'vitest';
import { isPermanentStatus, safeOrigin } from '../../../../gateway/notify/http.js';

describe('HTTP channel helpers', () => {
  it('keeps only the origin of a URL, never its secret path or query', () => {
    expect(safeOrigin('https://hooks.slack.com/services/T000/B000/XXXXSECRET')).toBe('https://hooks.slack.com');
    expect(safeOrigin('https://prod-01.japaneast.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=SECRET')).toBe(
      'https://prod-01.japaneast.logic.azure.com',
    );
    expect(safeOrigin('not a url')).toBe('(invalid url)');
  });

  it('retries server errors, timeouts and rate limits, not other client errors', () => {
    expect([400, 401, 403, 404, 410, 413].map(isPermanentStatus)).toEqual([true, true, true, true, true, true]);
    expect([408, 429, 500, 502, 503, 504].map(isPermanentStatus)).toEqual([false, false, false, false, false, false]);
  });
});
