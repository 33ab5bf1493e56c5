/** Alarm notifications: message text, channel senders and the notifier that routes and delivers them. */
export * from './backoff.js';
export * from './message.js';
export * from './notifier.js';
export * from './quietHours.js';
export * from './types.js';
