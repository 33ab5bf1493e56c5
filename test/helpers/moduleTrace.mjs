/**
 * Preloaded with `node --import` into a process under test: records every module the process loads, so a test can say
 * what a running gateway holds. ES modules (and the CommonJS entry points they import) are written by a loader hook to
 * MODULE_TRACE as they load; on SIGUSR2 the CommonJS cache (everything `require`d inside packages) is written beside it,
 * to MODULE_TRACE.cjs.
 */
import { writeFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const file = process.env.MODULE_TRACE;
if (!file) throw new Error('moduleTrace.mjs: set MODULE_TRACE to the file to write');
register('./moduleTraceHooks.mjs', import.meta.url, { data: { file } });
const cache = createRequire(import.meta.url).cache;
process.on('SIGUSR2', () => writeFileSync(`${file}.cjs`, `${Object.keys(cache).join('\n')}\n`));
