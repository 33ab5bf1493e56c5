/**
 * The inspection trial inside a running kit: a manager creates a trial over the HTTP API, uploads a zip, fits it; a live
 * station judges what lands in its watched folder, and the result reaches mosquitto_sub, InfluxDB, the station's counts;
 * a hostile file is set aside with its reason and the station keeps going; the report is a Japanese PDF.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropImage } from '../../firmware-sim/camera/camera.js';
import { renderPart } from '../../firmware-sim/camera/part.js';
import { encodePng } from '../../firmware-sim/camera/png.js';
import { KIT, PASSWORDS, startTestKit } from '../helpers/kit.js';
import { influxQuery, mosquitto, requireCommand, waitFor } from '../helpers/services.js';
import { makeZip } from '../helpers/zip.js';

type TestKit = Awaited<ReturnType<typeof startTestKit>>;
let t: TestKit;
let base: string;
let token: string;

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) } });
const part = (seed: number, defect?: 'missing-hole' | 'dent') => encodePng(renderPart({ size: 160, seed, ...(defect ? { defect } : {}) }));

beforeAll(async () => {
  t = await startTestKit('inspection-live', {
    inspection: { imageSize: 128, stations: [{ id: 'line-1', name: 'ライン1', trial: 'plate', watch: 'drop', pollMs: 200 }] },
  });
  base = `http://127.0.0.1:${t.kit.httpPort}`;
  token = t.kit.auth.createToken('api', 'inspection-test', 'manager').secret;
}, 120_000);
afterAll(async () => {
  await t?.stop();
});

describe('inspection trial in a running kit', () => {
  it('creates a trial, takes a zip of good and defect images, refuses a fake image, and fits', async () => {
    const created = await api('/api/inspection/trials', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'plate', name: 'プレート', product: '穴あきプレート', camera: '上方照明' }),
    });
    expect(created.status).toBe(201);

    const zip = makeZip([
      ...Array.from({ length: 16 }, (_, i) => ({ name: `ok/ok-${i}.png`, data: part(i + 1) })),
      { name: 'ng/dent/dent-1.png', data: part(700, 'dent') },
      { name: 'ng/missing-hole/hole-1.png', data: part(701, 'missing-hole') },
      { name: 'readme.txt', data: Buffer.from('not an image') },
    ]);
    const uploaded = await api('/api/inspection/trials/plate/images?role=ok&name=set.zip', {
      method: 'POST',
      headers: { 'content-type': 'application/zip' },
      body: zip,
    });
    expect(uploaded.status).toBe(200);
    const body = (await uploaded.json()) as { added: { role: string; label: string | null }[]; refused: { file: string }[] };
    expect(body.added.filter((a) => a.role === 'ok')).toHaveLength(16);
    expect(body.added.filter((a) => a.role === 'ng').map((a) => a.label)).toEqual(['dent', 'missing-hole']);
    expect(body.refused.map((r) => r.file)).toEqual(['readme.txt']);

    const fake = await api('/api/inspection/trials/plate/images?role=ok&name=photo.jpg', {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg' },
      body: Buffer.from('<html>not a photo</html>'),
    });
    expect(fake.status).toBe(415);
    expect(((await fake.json()) as { messageJa: string }).messageJa).toContain('JPEG または PNG 画像ではありません');

    expect((await api('/api/inspection/trials/plate/fit', { method: 'POST' })).status).toBe(202);
    const fitted = await waitFor(
      'the fit to finish',
      async () => {
        const trial = (await (await api('/api/inspection/trials/plate')).json()) as {
          status: string;
          fit: { patchcore: { auroc: number } } | null;
        };
        return trial.status === 'fitting' ? undefined : trial;
      },
      240_000,
      500,
    );
    expect(fitted.status).toBe('fitted');
    expect(fitted.fit?.patchcore.auroc).toBeGreaterThan(0.5);
  }, 300_000);

  it('judges images dropped in the watched folder: result on MQTT, in InfluxDB, in the counts; a hostile file is set aside', async () => {
    // The manager sets the sensitivity between the good and the defect images the trial was given; live judging follows it.
    const trial = (await (await api('/api/inspection/trials/plate')).json()) as {
      images: { role: string; use: string; score: number | null }[];
    };
    const good = Math.max(...trial.images.filter((i) => i.use === 'heldOut').map((i) => i.score as number));
    const defect = Math.min(...trial.images.filter((i) => i.role === 'ng').map((i) => i.score as number));
    expect(defect).toBeGreaterThan(good);
    const moved = await api('/api/inspection/trials/plate/threshold', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ patchcore: (good + defect) / 2 }),
    });
    expect(moved.status).toBe(200);

    const port = String(t.kit.brokerPort);
    const sub = mosquitto(
      'mosquitto_sub',
      [
        '-h',
        '127.0.0.1',
        '-p',
        port,
        '-u',
        'reader',
        '-P',
        PASSWORDS.reader,
        '-t',
        `minotake/v1/${KIT}/inspection/+/result`,
        '-v',
        '-C',
        '2',
        '-W',
        '90',
      ],
      100_000,
    );
    // Let the subscription land before the first result is published.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const drop = join(t.dir, 'drop');
    writeFileSync(join(drop, 'evil.png'), '#!/bin/sh\necho not an image\n');
    dropImage(drop, 'part-0001.png', part(9100));
    dropImage(drop, 'part-0002.png', part(9101, 'missing-hole'));

    const run = await sub;
    const lines = run.stdout.trim().split('\n');
    expect(lines, run.stderr).toHaveLength(2);
    const results = lines.map((line) => {
      const [topic, payload] = [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1)];
      expect(topic).toBe(`minotake/v1/${KIT}/inspection/line-1/result`);
      return JSON.parse(payload) as {
        image: string;
        verdict: string;
        score: number;
        threshold: number;
        goodToday: number;
        rejectToday: number;
      };
    });
    const byImage = Object.fromEntries(results.map((r) => [r.image, r]));
    expect(byImage['part-0002.png']?.verdict).toBe('NG');
    expect(byImage['part-0002.png']!.score).toBeGreaterThan(byImage['part-0001.png']!.score);
    expect(byImage['part-0002.png']!.threshold).toBeCloseTo((good + defect) / 2, 3);
    const last = results[1]!;
    expect(last.goodToday + last.rejectToday).toBe(2);

    // The files moved by verdict; the fake one set aside with its reason in both languages.
    expect(existsSync(join(drop, 'judged', 'NG', 'part-0002.png'))).toBe(true);
    await waitFor('the fake file to be set aside', () => existsSync(join(drop, 'rejected', 'evil.png.txt')));
    expect(readFileSync(join(drop, 'rejected', 'evil.png.txt'), 'utf8')).toMatch(/not a JPEG or PNG[\s\S]*JPEG または PNG/);

    const stored = await waitFor('two judgments in InfluxDB', async () => {
      const rows = await influxQuery(t.influxd.current.url, 'minotake', `SELECT score, verdict, station FROM "events"."inspection"`);
      return rows.length === 2 ? rows : undefined;
    });
    expect(stored.map((r) => r.station)).toEqual(['line-1', 'line-1']);

    const stations = (await (await api('/api/inspection/stations')).json()) as {
      stations: { id: string; goodToday: number; rejectToday: number; rejectedFiles: number; recent: { slot: number }[] }[];
    };
    const station = stations.stations[0]!;
    expect(station.goodToday + station.rejectToday).toBe(2);
    expect(station.rejectedFiles).toBe(1);
    const heat = await api(`/api/inspection/stations/line-1/recent/${station.recent[0]!.slot}`);
    expect(heat.headers.get('content-type')).toBe('image/png');
  }, 150_000);

  it('writes the trial report as a Japanese PDF', async () => {
    requireCommand('pdftotext', 'apt-get install poppler-utils');
    const response = await api('/api/inspection/trials/plate/report.pdf');
    expect(response.status).toBe(200);
    const pdf = Buffer.from(await response.arrayBuffer());
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const file = join(t.dir, 'report.pdf');
    writeFileSync(file, pdf);
    const text = execFileSync('pdftotext', [file, '-']).toString();
    for (const heading of [
      'AI外観検査 お試し判定 報告書',
      'ご提供いただいた画像',
      '判定結果',
      'この結果の限界',
      '本格導入に向けて必要なこと',
    ]) {
      expect(text).toContain(heading);
    }
  });

  it('keeps a viewer from changing a trial', async () => {
    const viewer = t.kit.auth.createToken('api', 'viewer', 'viewer').secret;
    const response = await fetch(`${base}/api/inspection/trials/plate/fit`, {
      method: 'POST',
      headers: { authorization: `Bearer ${viewer}` },
    });
    expect(response.status).toBe(403);
  });
});
