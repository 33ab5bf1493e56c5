/** Cross-checks of the `production` section a schema cannot say: machines and inputs that exist, one counter per input, one plan. */
import type { ConfigProblem } from './load.js';
import { modbusChannelProblem } from './modbusCheck.js';
import { registersOf } from './modbusMaps.js';
import type { KitConfig } from './schema.js';
import { sensorNodes } from './sensorNodes.js';

export function productionProblems(config: KitConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const { production } = config;
  const machines = new Set(config.machines.map((m) => m.id));
  const inputs = new Set(config.sources.gpio.map((g) => g.id));
  const nodes = new Set(sensorNodes(config).map((n) => n.id));
  const devices = new Map(config.sources.modbus.flatMap((bus) => bus.devices).map((d) => [d.id, d]));
  // A GPIO input or a node channel already tells a machine's state or a zone's climate: it cannot also count parts.
  const taken = new Set([
    ...config.machines.map((m) =>
      'gpio' in m.source
        ? `gpio:${m.source.gpio}`
        : 'tower' in m.source
          ? `tower:${m.source.tower}`
          : `${m.source.node}:${m.source.channel}`,
    ),
    ...config.zones.map((z) => `${z.source.node}:${z.source.channel}`),
    // A signal tower's lamp inputs tell its machine's state.
    ...config.sources.towers.flatMap((t) => Object.values(t.lamps).map((input) => `gpio:${input}`)),
  ]);
  const counters = new Map<string, string>();
  const seenReasons = new Set<string>();
  production.reasons.forEach((reason, i) => {
    if (seenReasons.has(reason.id))
      problems.push({ path: `production.reasons[${i}]`, en: `duplicate id "${reason.id}"`, ja: `ID「${reason.id}」が重複しています` });
    seenReasons.add(reason.id);
  });
  const seenMachines = new Set<string>();
  production.machines.forEach((entry, i) => {
    const at = `production.machines[${i}]`;
    if (!machines.has(entry.machine))
      problems.push({
        path: `${at}.machine`,
        en: `no machine "${entry.machine}" in machines`,
        ja: `machines に「${entry.machine}」がありません`,
      });
    if (seenMachines.has(entry.machine))
      problems.push({ path: at, en: `machine "${entry.machine}" listed twice`, ja: `設備「${entry.machine}」が 2 回あります` });
    seenMachines.add(entry.machine);
    entry.askReasonFor?.forEach((state, j) => {
      if (entry.askReasonFor?.indexOf(state) !== j)
        problems.push({ path: `${at}.askReasonFor[${j}]`, en: `${state} is listed twice`, ja: `${state} が 2 回あります` });
    });
    const target = entry.target;
    if (target && (target.cycleSeconds === undefined) === (target.perHour === undefined))
      problems.push({
        path: `${at}.target`,
        en: 'give either cycleSeconds or perHour',
        ja: 'cycleSeconds か perHour のどちらか一方を指定してください',
      });
    const source = entry.counter?.source;
    if (!source) return;
    const key = 'gpio' in source ? `gpio:${source.gpio}` : `${source.node}:${source.channel}`;
    if ('gpio' in source && !inputs.has(source.gpio))
      problems.push({
        path: `${at}.counter.source.gpio`,
        en: `no GPIO input "${source.gpio}" in sources.gpio`,
        ja: `sources.gpio に「${source.gpio}」がありません`,
      });
    if ('node' in source && !nodes.has(source.node))
      problems.push({
        path: `${at}.counter.source.node`,
        en: `no sensor node or Modbus device "${source.node}"`,
        ja: `センサノードまたは Modbus 機器「${source.node}」がありません`,
      });
    const device = 'node' in source ? devices.get(source.node) : undefined;
    if (device && 'node' in source) {
      const missing = modbusChannelProblem(config, source.node, source.channel, 'count');
      if (missing) problems.push({ path: `${at}.counter.source.channel`, ...missing });
      // A total is whole and unsigned, and wraps where its registers do.
      const register = registersOf(device).find((r) => r.channel === source.channel && r.quantity === 'count');
      if (register && ((register.type !== 'uint16' && register.type !== 'uint32') || register.scale !== 1))
        problems.push({
          path: `${at}.counter.source`,
          en: `the count register of "${source.node}" must be uint16 or uint32 with scale 1`,
          ja: `「${source.node}」の計数レジスタは uint16 か uint32、scale 1 にしてください`,
        });
    }
    const other = counters.get(key);
    if (taken.has(key) || other)
      problems.push({
        path: `${at}.counter.source`,
        en: `this input is already used by ${other ?? 'a machine or zone'}`,
        ja: `この入力は ${other ?? '設備または計測区域'} が使っています`,
      });
    counters.set(key, at);
  });

  const planned = new Set(production.machines.filter((m) => m.target && m.counter).map((m) => m.machine));
  config.alarms.rules.forEach((rule, i) => {
    const at = `alarms.rules[${i}]`;
    if (rule.kind === 'behindPlan') {
      if (rule.parts === undefined)
        problems.push({ path: `${at}.parts`, en: 'is required for a behindPlan rule', ja: 'behindPlan ルールには必須です' });
      rule.targets.forEach((target, j) => {
        if (machines.has(target) && !planned.has(target))
          problems.push({
            path: `${at}.targets[${j}]`,
            en: `machine "${target}" has no counter and target in production.machines`,
            ja: `設備「${target}」には production.machines の counter と target がありません`,
          });
      });
    }
  });
  return problems;
}
