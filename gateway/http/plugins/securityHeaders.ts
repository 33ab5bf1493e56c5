/** The browser's own defences for the dashboard: a Content-Security-Policy it passes, no framing, no sniffing, no referrer. */
import type { FastifyHelmetOptions } from '@fastify/helmet';

/**
 * Everything the dashboard needs comes from the kit itself, so `'self'` is the whole list. Checked in Chromium by
 * test/e2e/browserSecurity.test.ts on every page: a violation fails it.
 */
export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'self'"],
  // vite emits the entry as <script type="module" src>, never inline.
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  // No 'unsafe-inline': uPlot and Preact set element styles through the CSSOM (el.style.left = ...), which CSP does not govern.
  'style-src': ["'self'"],
  // data: for the empty favicon (<link rel="icon" href="data:,">) that keeps browsers from asking for /favicon.ico.
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  // Never upgrade-insecure-requests: a kit served over plain HTTP on the factory LAN would ask itself for https and get nothing.
};

/** Options for @fastify/helmet, registered on the whole app. */
export function securityHeaders(opts: { tls: boolean }): FastifyHelmetOptions {
  return {
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    // Over a self-signed certificate HSTS would make the browser's warning impossible to click through, and it would stick
    // to the kit's address for a year: a site that wants it sets it at its own reverse proxy.
    strictTransportSecurity: false,
    // Browsers ignore COOP on a plain-HTTP LAN origin and say so on the console of every page; it only counts under TLS.
    crossOriginOpenerPolicy: opts.tls ? { policy: 'same-origin' } : false,
    xFrameOptions: { action: 'deny' },
    // The kiosk link's URL is its credential: no page may pass a URL of the kit on to anybody.
    referrerPolicy: { policy: 'no-referrer' },
  };
}
