/** A logger for tests: silent unless LOG_LEVEL is set, so a failing run can be replayed with logs. */
import pino from 'pino';

export const testLog = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
