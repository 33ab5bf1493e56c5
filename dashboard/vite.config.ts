/** Builds the dashboard to static files the gateway serves from any base path (hence every URL relative). */
import { defineConfig } from 'vite';

export default defineConfig({
  // The gateway may sit under /kit-a01/ behind a reverse proxy: relative asset URLs work under any base.
  base: './',
  // Preact's automatic JSX runtime, without the preset plugin (one devDependency fewer).
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Lent tablets are often a few years old (iPadOS 14, Android Chrome 87).
    target: ['es2020', 'safari14', 'chrome87'],
    // Everything is served by the Pi on a LAN with no internet: inline nothing from elsewhere, keep chunks whole.
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: true,
  },
  server: {
    // `vite dashboard` during development: forward the API to a locally running gateway.
    proxy: { '/api': 'http://localhost:8080' },
  },
});
