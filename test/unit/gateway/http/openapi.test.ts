import { Ajv } from 'ajv';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKitConfig } from '../../../../config/load.js';
import { buildTestApp } from '../../../helpers/app.js';
import { tempDir } from '../../../helpers/services.js';

/**
 * The OpenAPI document as an integrator reads it (an MES, a spreadsheet macro, a Node-RED flow): each production route with its
 * method, what it takes, what it answers and who may call it, and the kit doing what the document says.
 */

type Role = 'viewer' | 'operator' | 'manager' | 'admin';
interface Documented {
  method: 'get' | 'post' | 'put';
  path: string;
  access: Role;
  /** Query parameters: name → required. */
  query?: Record<string, boolean>;
  /** The JSON body's required fields. */
  body?: string[];
  /** The 200 answer: the JSON object's fields, or a CSV file. */
  answer: string[] | 'csv';
}

const RANGE = { from: true, to: true };
const SETTINGS = ['machines', 'operatorCorrectionMinutes', 'reasonAfterMinutes', 'reasons'];
const STOP = ['asked', 'askedAt', 'from', 'machine', 'needsReason', 'open', 'plannedMs', 'segments', 'to', 'unanswered'];
const PRODUCTION: Documented[] = [
  { method: 'get', path: '/api/production/settings', access: 'viewer', answer: SETTINGS },
  { method: 'put', path: '/api/production/reasons', access: 'admin', body: ['reasons'], answer: SETTINGS },
  { method: 'get', path: '/api/production/now', access: 'viewer', answer: ['machines', 'pending', 'refreshedAt', 'ts'] },
  {
    method: 'get',
    path: '/api/production/stops',
    access: 'viewer',
    query: { ...RANGE, machine: true },
    answer: ['from', 'stops', 'to'],
  },
  { method: 'post', path: '/api/production/stops/reason', access: 'operator', body: ['machine', 'segments', 'stopFrom'], answer: STOP },
  { method: 'get', path: '/api/production/reasons/log', access: 'manager', query: { ...RANGE, machine: false }, answer: ['entries'] },
  {
    method: 'get',
    path: '/api/production/pareto',
    access: 'viewer',
    query: { ...RANGE, machine: false },
    answer: ['bars', 'from', 'machine', 'to', 'totalMs'],
  },
  {
    method: 'get',
    path: '/api/production/counts',
    access: 'viewer',
    query: { ...RANGE, machine: true, by: true },
    answer: ['by', 'machine', 'rows'],
  },
  {
    method: 'get',
    path: '/api/production/board',
    access: 'viewer',
    query: { machine: true, at: false },
    answer: ['machine', 'rows', 'shift'],
  },
  { method: 'get', path: '/api/production/oee', access: 'viewer', query: { ...RANGE, by: true, machine: false }, answer: ['by', 'rows'] },
  {
    method: 'post',
    path: '/api/production/rejects',
    access: 'operator',
    body: ['count', 'hourFrom', 'machine'],
    answer: ['at', 'by', 'count', 'hourFrom', 'machine'],
  },
  { method: 'get', path: '/api/export/stops.csv', access: 'manager', query: RANGE, answer: 'csv' },
  { method: 'get', path: '/api/export/counts.csv', access: 'manager', query: RANGE, answer: 'csv' },
  { method: 'get', path: '/api/export/oee.csv', access: 'manager', query: { ...RANGE, by: false }, answer: 'csv' },
];
const ROLES: Role[] = ['viewer', 'operator', 'manager', 'admin'];
const SIGNED_IN = [{ apiToken: [] }, { session: [] }];

// biome-ignore lint/suspicious/noExplicitAny: the document is JSON read by the test, checked with assertions
type Json = any;
interface Operation {
  parameters?: { in: string; name: string; required: boolean }[];
  requestBody?: { required: boolean; content: Record<string, { schema: Json }> };
  responses: Record<string, { content?: Record<string, { schema: Json }> }>;
  security?: Record<string, string[]>[];
  'x-minotake-access'?: string;
}

const config = parseKitConfig({
  kit: { id: 'k1', site: 'openapi' },
  sources: { serial: [{ id: 'n1', path: '/dev/null' }] },
  machines: [
    { id: 'm1', name: 'M1', source: { node: 'n1', channel: 'ct1' }, thresholds: { idleAbove: 0.5, runAbove: 4 } },
    { id: 'compressor', name: 'Compressor', source: { node: 'n1', channel: 'ct2' }, thresholds: { idleAbove: 0.5, runAbove: 4 } },
  ],
  production: {
    machines: [
      { machine: 'm1', counter: { source: { node: 'n1', channel: 'cnt1' } }, target: { perHour: 60 } },
      { machine: 'compressor', askReasonFor: ['OFF', 'FAULT'] },
    ],
  },
});
const dir = tempDir('openapi');
let app: FastifyInstance;
let auth: ReturnType<typeof buildTestApp>['auth'];
let doc: { paths: Record<string, Record<string, Operation>>; components: Json };
const tokens = {} as Record<Role, string>;
const ajv = new Ajv({ strict: false });

const operation = (route: Documented) => doc.paths[route.path]?.[route.method] as Operation;
const send = (route: Documented, role?: Role, query = '') =>
  app.inject({
    method: route.method.toUpperCase() as 'GET',
    url: `${route.path}${query}`,
    headers: role ? { authorization: `Bearer ${tokens[role]}` } : {},
    ...(route.method === 'get' ? {} : { payload: {} }),
  });
/** Does the answer match what the document promises for its status? */
function matchesDocument(route: Documented, response: { statusCode: number; json: () => unknown }) {
  const documented = operation(route).responses[String(response.statusCode)]?.content?.['application/json']?.schema;
  if (!documented) return `status ${response.statusCode} is not in the document`;
  const validate = ajv.compile(documented);
  return validate(response.json()) ? true : ajv.errorsText(validate.errors);
}

beforeAll(async () => {
  const built = buildTestApp(config, dir.path);
  app = built.app;
  auth = built.auth;
  await app.ready();
  for (const role of ROLES) tokens[role] = auth.createToken('api', `${role}-tool`, role).secret;
  const served = await app.inject({ url: '/api/openapi.json', headers: { authorization: `Bearer ${tokens.viewer}` } });
  expect(served.statusCode).toBe(200);
  doc = served.json();
});
afterAll(async () => {
  await app.close();
  dir.remove();
});

describe('the OpenAPI document lists every production route as the kit serves it', () => {
  it.each(PRODUCTION)('$method $path: its inputs and its answer', (route) => {
    const op = operation(route);
    expect(op, `${route.method} ${route.path} is missing`).toBeDefined();
    const query = Object.fromEntries((op.parameters ?? []).filter((p) => p.in === 'query').map((p) => [p.name, p.required]));
    expect(query).toEqual(route.query ?? {});
    if (route.body) {
      expect(op.requestBody?.required).toBe(true);
      expect([...(op.requestBody?.content['application/json']?.schema.required ?? [])].sort()).toEqual(route.body);
    } else {
      expect(op.requestBody).toBeUndefined();
    }
    if (route.answer === 'csv') {
      expect(op.responses['200']?.content).toEqual({ 'text/csv': { schema: { type: 'string' } } });
    } else {
      expect(Object.keys(op.responses['200']?.content?.['application/json']?.schema.properties ?? {}).sort()).toEqual(route.answer);
    }
    // A route that takes something may refuse it: the refusal's shape (code, English and Japanese message) is documented.
    if (route.query || route.body) {
      expect(op.responses['400']?.content?.['application/json']?.schema.required).toEqual(['code', 'message', 'messageJa']);
    }
  });

  it('documents and answers which stops each machine asks a reason for (askReasonFor), the default spelled out', async () => {
    const route = PRODUCTION[0] as Documented;
    const machine = operation(route).responses['200']?.content?.['application/json']?.schema.properties.machines.items;
    expect(machine.required).toContain('askReasonFor');
    expect(machine.properties.askReasonFor.items.anyOf.map((s: Json) => s.const ?? s.enum?.[0]).sort()).toEqual(['FAULT', 'IDLE', 'OFF']);
    const answered = await send(route, 'viewer');
    expect(matchesDocument(route, answered)).toBe(true);
    const asked = Object.fromEntries(answered.json().machines.map((m: Json) => [m.machine, m.askReasonFor]));
    expect(asked).toEqual({ m1: ['OFF', 'IDLE', 'FAULT'], compressor: ['OFF', 'FAULT'] });
  });

  it('documents "no data" as null, not 0, in the board and OEE figures', () => {
    const rows = (path: string) =>
      doc.paths[path]?.get?.responses['200']?.content?.['application/json']?.schema.properties.rows.items.properties;
    const oee = rows('/api/production/oee');
    for (const figure of ['availability', 'performance', 'quality', 'oee', 'parts']) expect(oee[figure].nullable, figure).toBe(true);
    const board = rows('/api/production/board');
    for (const figure of ['plan', 'actual', 'gap']) expect(board[figure].nullable, figure).toBe(true);
  });
});

describe('who may call a production route: the document and the kit agree', () => {
  it.each(PRODUCTION)('$method $path: sign-in required, and the role it names ($access) is the one enforced', async (route) => {
    const op = operation(route);
    expect(op.security).toEqual(SIGNED_IN);
    expect(op['x-minotake-access']).toBe(route.access);

    expect((await send(route)).statusCode).toBe(401);
    const below = ROLES[ROLES.indexOf(route.access) - 1];
    if (below) {
      const refused = await send(route, below);
      expect(refused.statusCode).toBe(403);
      expect(refused.json().code).toBe('FORBIDDEN');
    }
    // The documented role gets past the door: what it meets next is the route itself (here, its refusal of an empty request).
    const admitted = await send(route, route.access);
    expect([401, 403]).not.toContain(admitted.statusCode);
  });

  it('names the sign-in the kit really uses: the bearer API token and the session cookie set at login', async () => {
    const { apiToken, session } = doc.components.securitySchemes;
    expect(apiToken).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(session).toMatchObject({ type: 'apiKey', in: 'cookie' });
    auth.addUser('kacho', 'a long enough password', 'manager');
    const login = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'kacho', password: 'a long enough password' },
    });
    expect(login.statusCode).toBe(200);
    const cookie = login.cookies.find((c) => c.name === session.name);
    expect(cookie, `the login sets no cookie named ${session.name}`).toBeDefined();
    const log = await app.inject({
      url: `/api/production/reasons/log?from=0&to=${86_400_000}`,
      cookies: { [session.name]: cookie?.value as string },
    });
    expect([401, 403]).not.toContain(log.statusCode);
  });

  it('states a security requirement on every operation of the document, open only where the kit answers anonymously', async () => {
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        expect(op.security, `${method} ${path}`).toBeDefined();
        const open = op.security?.length === 0 || op.security?.some((requirement) => Object.keys(requirement).length === 0);
        if (open) continue;
        const url = path.replace(/\{\w+\}/g, 'x');
        const anonymous = await app.inject({ method: method.toUpperCase() as 'GET', url, ...(method === 'get' ? {} : { payload: {} }) });
        expect(anonymous.statusCode, `${method} ${path}`).toBe(401);
      }
    }
  });
});

describe('what the production routes answer matches the document', () => {
  it.each(PRODUCTION.filter((r) => r.method === 'get' && !r.query))('$path answers a viewer as documented', async (route) => {
    const response = await send(route, 'viewer');
    expect(response.statusCode).toBe(200);
    expect(matchesDocument(route, response)).toBe(true);
  });

  it.each(PRODUCTION.filter((r) => r.query || r.body))('$method $path refuses an empty request as documented (400)', async (route) => {
    const response = await send(route, route.access);
    expect(response.statusCode).toBe(400);
    expect(matchesDocument(route, response)).toBe(true);
  });

  it.each(PRODUCTION.filter((r) => r.method === 'get' && r.query?.from))(
    '$path says storage is away as documented (503)',
    async (route) => {
      // A valid query (the test kit's InfluxDB does not answer): machine m1, the last hour, by shift where asked.
      const response = await send(route, route.access, `?machine=m1&from=${Date.now() - 3_600_000}&to=${Date.now()}&by=shift`);
      expect(response.statusCode).toBe(503);
      expect(matchesDocument(route, response)).toBe(true);
    },
  );
});
