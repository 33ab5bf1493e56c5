/**
 * V8's memory settings for the kit's process (docs/memory.md). Imported first by the CLI, so they are made before any
 * other module loads, wherever the kit is started from (npm run demo, systemd, a person at a terminal).
 */
import { setFlagsFromString } from 'node:v8';

// V8 grows the young generation from 2 × 1 MB to 2 × 16 MB while the gateway's modules load and keeps it: ~30 MB of
// RSS for a process that later allocates a few KB per reading. Held at 2 × 1 MB, scavenges come more often and each is
// shorter. Unlike --max-semi-space-size, this flag is read each time the young generation would grow, so it works from
// inside the process.
setFlagsFromString('--semi-space-growth-factor=1');
// A smaller old-generation growth step and an earlier memory reducer: ~15 MB less at rest. bench/memory.ts prints the
// throughput and latencies beside the figures without these flags.
setFlagsFromString('--optimize-for-size');
// Bytecode (and baseline code) of functions not run for one major GC is dropped and compiled again if ever needed: the
// start-up code (config, schemas, route registration) ran once and would otherwise stay (~3 MB).
setFlagsFromString('--bytecode-old-age=1');
setFlagsFromString('--flush-baseline-code');
