/**
 * A unix socket in the data folder (owner-only) through which the commands beside a running kit ask it things
 * (`minotake doctor` asks for the same checks as the dashboard's page): no account or token is needed, because only
 * the kit's own user can open the folder, and nothing of it is reachable from the network.
 */
import { chmodSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { join } from 'node:path';
import type { Logger } from 'pino';

export const socketPath = (dataDir: string) => join(dataDir, 'kit.sock');

export function serveLocal(dataDir: string, answers: Record<string, () => Promise<unknown>>, log: Logger): () => Promise<void> {
  const path = socketPath(dataDir);
  rmSync(path, { force: true }); // left by a kit that was killed
  const server = createServer((req, res) => {
    const answer = answers[req.url ?? ''];
    if (req.method !== 'GET' || !answer) {
      res.writeHead(404).end();
      return;
    }
    answer().then(
      (body) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
      (error: Error) => res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: error.message })),
    );
  });
  server.on('error', (error) =>
    log.warn({ err: error.message, path }, 'local socket not available: minotake doctor checks from outside the kit'),
  );
  server.listen(path, () => chmodSync(path, 0o600));
  return () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      rmSync(path, { force: true });
    });
}

/** GET on the running kit's socket; undefined when no kit answers there. */
export function askKit<T>(dataDir: string, path: string, timeoutMs = 60_000): Promise<T | undefined> {
  return new Promise((resolve) => {
    const req = request({ socketPath: socketPath(dataDir), path, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve(res.statusCode === 200 ? (JSON.parse(body) as T) : undefined));
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}
