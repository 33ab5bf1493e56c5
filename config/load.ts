/** Loads a kit's YAML file, validates it against the schema and cross-checks it; every problem names its path. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parseDocument } from 'yaml';
import { modbusChannelProblem, modbusProblems } from './modbusCheck.js';
import { channelCarries } from './modbusMaps.js';
import { productionProblems } from './productionCheck.js';
import { type KitConfig, KitConfigSchema, MAX_QUEUED_POINTS } from './schema.js';
import { sensorNodes } from './sensorNodes.js';
import { isKnownTimeZone } from './tzdb.js';

export interface ConfigProblem {
  /** Where, as a reader would write it: `machines[2].thresholds.runAbove`. */
  path: string;
  en: string;
  ja: string;
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(
      `${file}: ${problems.length} problem(s) in the kit configuration / 設定ファイルに ${problems.length} 件の誤り\n` +
        problems.map((p) => `  ${p.path}: ${p.en} / ${p.ja}`).join('\n'),
    );
  }
}

// ajv-i18n is CommonJS whose typings declare an ES default export that does not exist at run time; needed only for errors.
const localizeJa = (errors: ErrorObject[]) =>
  (createRequire(import.meta.url)('ajv-i18n/localize/ja') as (errors: ErrorObject[]) => void)(errors);

/**
 * Compiled when a kit file is read, and left for the garbage collector once nothing reads one: the validator's generated
 * code is ~3 MB of heap that a running kit never needs again (docs/memory.md). Reading many files in a row reuses it.
 */
let compiled: WeakRef<ValidateFunction<KitConfig>> | undefined;
function validator(): ValidateFunction<KitConfig> {
  let validate = compiled?.deref();
  if (!validate) {
    validate = new Ajv({ allErrors: true, useDefaults: true, strict: false, messages: true }).compile<KitConfig>(KitConfigSchema);
    compiled = new WeakRef(validate);
  }
  return validate;
}

function readablePath(instancePath: string): string {
  const path = instancePath
    .split('/')
    .slice(1)
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part.replace(/~1/g, '/').replace(/~0/g, '~')}`))
    .join('');
  return path.startsWith('.') ? path.slice(1) : path || '(top)';
}

function schemaProblems(errors: ErrorObject[]): ConfigProblem[] {
  // A failed union (a machine source is either {node, channel} or {gpio}) reports once, not once per branch.
  const unions = errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath);
  const kept = errors.filter(
    (e) => e.keyword === 'anyOf' || !unions.some((u) => e.instancePath.startsWith(u) && e.schemaPath.includes('/anyOf/')),
  );
  const english = kept.map((e) => ({ ...e }));
  localizeJa(kept);
  return kept.map((e, i) => {
    const en = english[i] as ErrorObject;
    const path = readablePath(e.instancePath);
    if (e.keyword === 'anyOf') {
      // A union of literals (parity: none | even | odd) fails as one anyOf: name the values it allows.
      const allowed = errors
        .filter(
          (c) => c.keyword === 'const' && c.instancePath === e.instancePath && c.schemaPath.startsWith(e.schemaPath.replace(/anyOf$/, '')),
        )
        .map((c) => JSON.stringify((c.params as { allowedValue: unknown }).allowedValue));
      if (allowed.length > 0)
        return { path, en: `must be one of ${allowed.join(', ')}`, ja: `${allowed.join('、')} のいずれかにしてください` };
      return {
        path,
        en: 'must be one of {node, channel}, {gpio} or {tower}',
        ja: '{node, channel}、{gpio}、{tower} のいずれかを指定してください',
      };
    }
    if (e.keyword === 'additionalProperties') {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      return { path: path === '(top)' ? key : `${path}.${key}`, en: 'unknown key', ja: '知らないキーです（綴りを確認してください）' };
    }
    if (e.keyword === 'required') {
      const key = (e.params as { missingProperty: string }).missingProperty;
      return { path: path === '(top)' ? key : `${path}.${key}`, en: 'is required', ja: '必須です' };
    }
    return { path, en: en.message ?? 'is invalid', ja: e.message ?? '不正な値です' };
  });
}

function duplicates<T>(items: T[], key: (item: T) => string, where: string, problems: ConfigProblem[]): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const value = key(item);
    if (seen.has(value)) problems.push({ path: `${where}[${i}]`, en: `duplicate id "${value}"`, ja: `ID「${value}」が重複しています` });
    seen.add(value);
  });
}

/** Rules a schema cannot say: references between sections, ordered thresholds, unique ids. */
export function crossCheck(config: KitConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const serialNodes = new Set(config.sources.serial.map((s) => s.id));
  // Modbus devices and nodes on the network are nodes of the MQTT tree like serial ones: machines and zones refer to them the same way.
  const nodes = new Set(sensorNodes(config).map((n) => n.id));
  const inputs = new Set(config.sources.gpio.map((g) => g.id));
  const towers = new Set(config.sources.towers.map((t) => t.id));
  duplicates(config.sources.serial, (s) => s.id, 'sources.serial', problems);
  duplicates(config.sources.network, (n) => n.id, 'sources.network', problems);
  const serialIds = new Set(config.sources.serial.map((s) => s.id));
  config.sources.network.forEach((node, i) => {
    if (serialIds.has(node.id))
      problems.push({
        path: `sources.network[${i}].id`,
        en: `"${node.id}" is already a serial node`,
        ja: `「${node.id}」はシリアルのノードとして登録済みです`,
      });
    if (!config.broker.accounts.some((a) => a.role === 'node' && a.node === node.id))
      problems.push({
        path: `sources.network[${i}]`,
        en: `no broker account for it: add one to broker.accounts with role: node and node: ${node.id}`,
        ja: `ブローカのアカウントがありません: broker.accounts に role: node、node: ${node.id} のアカウントを追加してください`,
      });
  });
  duplicates(config.sources.towers, (t) => t.id, 'sources.towers', problems);
  duplicates(config.sources.gpio, (g) => g.id, 'sources.gpio', problems);
  duplicates(config.machines, (m) => m.id, 'machines', problems);
  duplicates(config.zones, (z) => z.id, 'zones', problems);
  // A sensor-fault rule covers zones and machines alike, its alarms keyed by the target's id alone.
  const machineIds = new Set(config.machines.map((m) => m.id));
  config.zones.forEach((zone, i) => {
    if (machineIds.has(zone.id))
      problems.push({
        path: `zones[${i}].id`,
        en: `"${zone.id}" is a machine's id too: a sensor-fault alarm names a zone or a machine by its id alone; give the zone another id`,
        ja: `「${zone.id}」は設備の ID にも使われています。センサー異常の警報は計測区域と設備を ID だけで区別するので、計測区域に別の ID を付けてください`,
      });
  });
  duplicates(config.broker.accounts, (a) => a.username, 'broker.accounts', problems);
  duplicates(config.sources.gpio, (g) => String(g.pin), 'sources.gpio', problems);
  duplicates(config.inspection.stations, (s) => s.id, 'inspection.stations', problems);
  if (config.inspection.backbone.kind === 'file' && !config.inspection.backbone.path) {
    problems.push({ path: 'inspection.backbone.path', en: 'is required when kind is file', ja: 'kind が file のときは必須です' });
  }

  const channelsUsed = new Map<string, string>();
  const claim = (key: string, path: string) => {
    const other = channelsUsed.get(key);
    if (other) problems.push({ path, en: `channel already used by ${other}`, ja: `このチャンネルは ${other} が使っています` });
    channelsUsed.set(key, path);
  };

  config.sources.towers.forEach((tower, i) => {
    for (const [colour, input] of Object.entries(tower.lamps)) {
      if (input === undefined) continue;
      const at = `sources.towers[${i}].lamps.${colour}`;
      if (!inputs.has(input))
        problems.push({ path: at, en: `no GPIO input "${input}" in sources.gpio`, ja: `sources.gpio に「${input}」がありません` });
      claim(`gpio:${input}`, at);
    }
  });

  config.machines.forEach((machine, i) => {
    const at = `machines[${i}]`;
    if ('tower' in machine.source) {
      if (!towers.has(machine.source.tower))
        problems.push({
          path: `${at}.source.tower`,
          en: `no signal tower "${machine.source.tower}" in sources.towers`,
          ja: `sources.towers に「${machine.source.tower}」がありません`,
        });
      if (machine.thresholds)
        problems.push({ path: `${at}.thresholds`, en: 'a signal tower has no current thresholds', ja: '信号灯には電流しきい値は不要です' });
      claim(`tower:${machine.source.tower}`, at);
      return;
    }
    if ('gpio' in machine.source) {
      if (!inputs.has(machine.source.gpio)) {
        problems.push({
          path: `${at}.source.gpio`,
          en: `no GPIO input "${machine.source.gpio}" in sources.gpio`,
          ja: `sources.gpio に「${machine.source.gpio}」がありません`,
        });
      }
      if (machine.thresholds)
        problems.push({
          path: `${at}.thresholds`,
          en: 'a digital input has no current thresholds',
          ja: 'デジタル入力には電流しきい値は不要です',
        });
      claim(`gpio:${machine.source.gpio}`, at);
      return;
    }
    if (!nodes.has(machine.source.node)) {
      problems.push({
        path: `${at}.source.node`,
        en: `no sensor node "${machine.source.node}" in sources.serial, sources.modbus or sources.network`,
        ja: `sources.serial・sources.modbus・sources.network のどれにも「${machine.source.node}」がありません`,
      });
    }
    const onMeter = modbusChannelProblem(config, machine.source.node, machine.source.channel, machine.source.quantity ?? 'current');
    if (onMeter) problems.push({ path: `${at}.source.channel`, ...onMeter });
    else if (machine.source.quantity === 'power' && serialNodes.has(machine.source.node))
      problems.push({ path: `${at}.source.quantity`, en: 'a sensor node sends no power', ja: 'センサノードは電力を送りません' });
    claim(`${machine.source.node}:${machine.source.channel}`, at);
    const t = machine.thresholds;
    if (!t) {
      problems.push({ path: `${at}.thresholds`, en: 'is required for a current (CT) channel', ja: '電流（CT）チャンネルには必須です' });
    } else if (t.runAbove <= t.idleAbove) {
      problems.push({ path: `${at}.thresholds.runAbove`, en: 'must be greater than idleAbove', ja: 'idleAbove より大きくしてください' });
    } else if (t.hysteresis >= t.runAbove - t.idleAbove || t.hysteresis > t.idleAbove) {
      problems.push({
        path: `${at}.thresholds.hysteresis`,
        en: 'must be smaller than idleAbove and than runAbove − idleAbove',
        ja: 'idleAbove および runAbove − idleAbove より小さくしてください',
      });
    }
  });

  config.zones.forEach((zone, i) => {
    if (!nodes.has(zone.source.node)) {
      problems.push({
        path: `zones[${i}].source.node`,
        en: `no sensor node "${zone.source.node}" in sources.serial, sources.modbus or sources.network`,
        ja: `sources.serial・sources.modbus・sources.network のどれにも「${zone.source.node}」がありません`,
      });
    }
    const onDevice = modbusChannelProblem(config, zone.source.node, zone.source.channel, 'climate');
    if (onDevice) problems.push({ path: `zones[${i}].source.channel`, ...onDevice });
    claim(`${zone.source.node}:${zone.source.channel}`, `zones[${i}]`);
    if (zone.humidityRange.max <= zone.humidityRange.min)
      problems.push({ path: `zones[${i}].humidityRange.max`, en: 'must be greater than min', ja: 'min より大きくしてください' });
  });

  config.broker.accounts.forEach((account, i) => {
    const at = `broker.accounts[${i}]`;
    if (!account.password && !account.passwordHash) {
      problems.push({ path: at, en: 'needs passwordHash (or password)', ja: 'passwordHash（または password）が必要です' });
    }
    if (account.role === 'node' && !account.node)
      problems.push({ path: `${at}.node`, en: 'is required for role node', ja: 'role が node のときは必須です' });
    // A node account speaks for a node that talks MQTT itself: one on the network (or a serial one publishing beside the edge).
    if (account.node && !serialNodes.has(account.node) && !config.sources.network.some((n) => n.id === account.node)) {
      problems.push({
        path: `${at}.node`,
        en: `no sensor node "${account.node}" in sources.serial or sources.network`,
        ja: `sources.serial にも sources.network にも「${account.node}」がありません`,
      });
    }
  });

  if (config.storage.batchSize > MAX_QUEUED_POINTS / 2) {
    problems.push({
      path: 'storage.batchSize',
      en: `must be at most ${MAX_QUEUED_POINTS / 2}: half of the ${MAX_QUEUED_POINTS}-point queue in memory stays free for readings that arrive during a write`,
      ja: `${MAX_QUEUED_POINTS / 2} 以下にしてください（メモリ上の ${MAX_QUEUED_POINTS} 点のキューの半分は、書き込み中に届く読み取り値のために空けておきます）`,
    });
  }
  problems.push(...modbusProblems(config));
  problems.push(...alarmProblems(config));
  problems.push(...productionProblems(config));
  config.http.trustProxy.forEach((entry, i) => {
    if (!isProxyAddress(entry))
      problems.push({
        path: `http.trustProxy[${i}]`,
        en: 'must be an IP address or a CIDR range (e.g. 192.168.1.10, 10.8.0.0/24) or loopback',
        ja: 'IP アドレスか CIDR 範囲（例: 192.168.1.10、10.8.0.0/24）または loopback を指定してください',
      });
  });
  if (!isKnownTimeZone(config.kit.timeZone)) {
    problems.push({ path: 'kit.timeZone', en: 'unknown IANA time zone', ja: '不明なタイムゾーンです（例: Asia/Tokyo）' });
  }
  return problems;
}

/** What fastify's trustProxy (proxy-addr) understands: an address, an address/prefix, or one of its named ranges. */
function isProxyAddress(entry: string): boolean {
  if (entry === 'loopback' || entry === 'linklocal' || entry === 'uniquelocal') return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}

/** Alarm rules must name real targets and channels, and a limit needs a metric and a threshold. */
function alarmProblems(config: KitConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const channels = new Set(config.notifications.channels.map((c) => c.id));
  duplicates(config.notifications.channels, (c) => c.id, 'notifications.channels', problems);
  duplicates(config.alarms.rules, (r) => r.id, 'alarms.rules', problems);
  config.alarms.rules.forEach((rule, i) => {
    const at = `alarms.rules[${i}]`;
    const climate = rule.metric === 'temperature' || rule.metric === 'humidity' || rule.metric === 'wbgt';
    const pool =
      rule.kind === 'silent'
        ? sensorNodes(config).map((n) => n.id)
        : climate
          ? config.zones.map((z) => z.id)
          : config.machines.map((m) => m.id);
    rule.targets.forEach((target, j) => {
      if (!pool.includes(target))
        problems.push({
          path: `${at}.targets[${j}]`,
          en: `no such ${rule.kind === 'silent' ? 'sensor node' : climate ? 'zone' : 'machine'} "${target}"`,
          ja: `「${target}」は設定にありません`,
        });
    });
    if (rule.kind === 'limit' && rule.metric === 'power') {
      rule.targets.forEach((target, j) => {
        const machine = config.machines.find((m) => m.id === target);
        if (machine && !('node' in machine.source && channelCarries(config, machine.source.node, machine.source.channel, 'power')))
          problems.push({
            path: `${at}.targets[${j}]`,
            en: `machine "${target}" is not on a meter channel that measures power`,
            ja: `設備「${target}」は電力を測る電力量計のチャンネルにつながっていません`,
          });
      });
    }
    if (rule.kind === 'limit') {
      if (!rule.metric) problems.push({ path: `${at}.metric`, en: 'is required for a limit rule', ja: 'limit ルールには必須です' });
      if (rule.above === undefined && rule.below === undefined)
        problems.push({ path: at, en: 'a limit rule needs above or below', ja: 'above か below を指定してください' });
    } else if (
      rule.afterMinutes === undefined &&
      rule.kind !== 'silent' &&
      rule.kind !== 'sensorError' &&
      rule.kind !== 'machineFault' &&
      rule.kind !== 'behindPlan'
    ) {
      problems.push({ path: `${at}.afterMinutes`, en: `is required for a ${rule.kind} rule`, ja: `${rule.kind} ルールには必須です` });
    }
    (rule.notify ?? []).forEach((id, j) => {
      if (!channels.has(id))
        problems.push({ path: `${at}.notify[${j}]`, en: `no notification channel "${id}"`, ja: `通知先「${id}」がありません` });
    });
  });
  return problems;
}

/** Validates an already-parsed object; fills in defaults in place. */
export function parseKitConfig(raw: unknown, file = '(config)'): KitConfig {
  const validate = validator();
  if (!validate(raw)) throw new ConfigError(file, schemaProblems(validate.errors ?? []));
  const problems = crossCheck(raw);
  if (problems.length > 0) throw new ConfigError(file, problems);
  return raw;
}

export function parseKitYaml(text: string, file = '(config)'): KitConfig {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const where = e.linePos?.[0] ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '(yaml)';
        return { path: where, en: e.message.split('\n')[0] ?? 'YAML syntax error', ja: 'YAML の書式が正しくありません' };
      }),
    );
  }
  return parseKitConfig(doc.toJS() ?? {}, file);
}

export function loadKitConfig(file: string): KitConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ConfigError(file, [{ path: '(file)', en: `cannot read: ${(cause as Error).message}`, ja: 'ファイルを読めません' }]);
  }
  return parseKitYaml(text, file);
}

/** A copy safe to log: every password and hash replaced. */
export function redactSecrets(config: KitConfig): KitConfig {
  return JSON.parse(
    JSON.stringify(config, (key, value) => (/^(password(Hash)?|channelAccessToken|headers)$/.test(key) ? '[redacted]' : value)),
  );
}
