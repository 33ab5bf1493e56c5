import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start real influxd, socat and MQTT clients; two at a time suits a 2-core Pi or CI box.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 90_000,
    // The JSON report is what .ci/run counts; the default reporter is for people.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
