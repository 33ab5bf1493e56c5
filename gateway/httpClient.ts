/**
 * One HTTP request and its answer as text, on node:http. Not fetch(): the first fetch() in a process loads undici and
 * compiles its WebAssembly HTTP parser, which keeps ~30 MB of RSS for the rest of the gateway's life (docs/memory.md).
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HttpRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** Answers longer than this are cut (the callers read a status and a short reason, never a large document). */
  maxAnswerBytes?: number;
}

export interface HttpAnswer {
  status: number;
  text: string;
}

export function requestText(url: string, options: HttpRequest = {}): Promise<HttpAnswer> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const max = options.maxAnswerBytes ?? 1024 * 1024;
  const headers = { ...options.headers };
  if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body));
  return new Promise((resolve, reject) => {
    const req = send(target, { method: options.method ?? 'GET', headers, signal: options.signal }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < max) chunks.push(chunk.subarray(0, max - size));
        size += chunk.length;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
