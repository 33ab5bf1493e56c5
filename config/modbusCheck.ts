/** The rules of a kit's Modbus buses that the schema cannot say: unique ids and addresses, known maps, channels that exist. */
import type { ConfigProblem } from './load.js';
import { channelsOf, MODBUS_MAPS } from './modbusMaps.js';
import type { KitConfig } from './schema.js';

const problem = (path: string, en: string, ja: string): ConfigProblem => ({ path, en, ja });

export function modbusProblems(config: KitConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const buses = new Set<string>();
  const paths = new Map(config.sources.serial.map((node, i) => [node.path, `sources.serial[${i}]`]));
  const nodeIds = new Set(config.sources.serial.map((node) => node.id));
  const shipped = Object.keys(MODBUS_MAPS).join(', ');

  config.sources.modbus.forEach((bus, i) => {
    const at = `sources.modbus[${i}]`;
    if (buses.has(bus.id)) problems.push(problem(at, `duplicate id "${bus.id}"`, `ID「${bus.id}」が重複しています`));
    buses.add(bus.id);
    const other = paths.get(bus.path);
    if (other) problems.push(problem(`${at}.path`, `port already used by ${other}`, `このポートは ${other} が使っています`));
    paths.set(bus.path, at);

    const addresses = new Set<number>();
    bus.devices.forEach((device, j) => {
      const here = `${at}.devices[${j}]`;
      if (nodeIds.has(device.id)) {
        problems.push(
          problem(
            here,
            `id "${device.id}" is already a sensor node or Modbus device`,
            `ID「${device.id}」は別のノードかデバイスが使っています`,
          ),
        );
      }
      nodeIds.add(device.id);
      if (addresses.has(device.address)) {
        problems.push(
          problem(
            `${here}.address`,
            `address ${device.address} is used twice on this bus`,
            `アドレス ${device.address} がこのバスで重複しています`,
          ),
        );
      }
      addresses.add(device.address);

      if (device.map === undefined && device.registers === undefined) {
        problems.push(problem(here, `needs map (one of ${shipped}) or registers`, `map（${shipped} のいずれか）か registers が必要です`));
      } else if (device.map !== undefined && device.registers !== undefined) {
        problems.push(problem(here, 'give map or registers, not both', 'map と registers はどちらか一方にしてください'));
      } else if (device.map !== undefined && !MODBUS_MAPS[device.map]) {
        problems.push(
          problem(
            `${here}.map`,
            `unknown map "${device.map}"; shipped maps: ${shipped}`,
            `「${device.map}」という定義はありません（${shipped}）`,
          ),
        );
      }
      problems.push(...registerProblems(device.registers ?? [], `${here}.registers`));
      if (bus.simulator && device.registers !== undefined) {
        problems.push(
          problem(here, 'a simulated bus has devices with shipped maps only', 'シミュレータのバスには同梱マップの機器だけを置けます'),
        );
      }
      if (device.silentAfterSeconds < 2 * device.pollSeconds) {
        problems.push(
          problem(
            `${here}.silentAfterSeconds`,
            'must be at least twice pollSeconds',
            'pollSeconds の 2 倍以上にしてください（そうしないと毎回無応答と判定されます）',
          ),
        );
      }
    });
  });
  return problems;
}

function registerProblems(registers: NonNullable<KitConfig['sources']['modbus'][number]['devices'][number]['registers']>, at: string) {
  const problems: ConfigProblem[] = [];
  const seen = new Set<string>();
  registers.forEach((r, k) => {
    const key = `${r.channel}/${r.quantity}`;
    if (seen.has(key)) {
      problems.push(
        problem(
          `${at}[${k}]`,
          `channel "${r.channel}" already has a ${r.quantity} register`,
          `「${r.channel}」の ${r.quantity} が重複しています`,
        ),
      );
    }
    seen.add(key);
    if ((r.type === 'int32' || r.type === 'uint32' || r.type === 'float32') && r.address === 65535) {
      problems.push(problem(`${at}[${k}].address`, 'a 32-bit value needs two registers', '32 ビット値には 2 レジスタ必要です'));
    }
  });
  for (const [channel, quantities] of channelsOf({ registers })) {
    if (quantities.has('temperature') !== quantities.has('humidity')) {
      problems.push(
        problem(at, `channel "${channel}" needs both temperature and humidity`, `「${channel}」には温度と湿度の両方が必要です`),
      );
    }
  }
  return problems;
}

/**
 * What is wrong with a machine's or zone's reference to a Modbus device's channel: a channel the device's map does not
 * have, or one that does not carry what the reference needs. Undefined when it is fine or `node` is not a Modbus device.
 */
export function modbusChannelProblem(
  config: KitConfig,
  node: string,
  channel: string,
  needs: 'current' | 'power' | 'climate' | 'count',
): { en: string; ja: string } | undefined {
  const device = config.sources.modbus.flatMap((bus) => bus.devices).find((d) => d.id === node);
  const channels = device ? channelsOf(device) : new Map<string, Set<string>>();
  // No such device, or one whose map is unknown (reported on its own): nothing to say about its channels here.
  if (channels.size === 0) return undefined;
  const quantities = channels.get(channel);
  if (!quantities) {
    const known = [...channels.keys()].join(', ');
    return {
      en: `device "${node}" has no channel "${channel}" (it has ${known})`,
      ja: `「${node}」に「${channel}」はありません（${known}）`,
    };
  }
  const ok = needs === 'climate' ? quantities.has('temperature') : quantities.has(needs);
  if (ok) return undefined;
  const what = {
    current: ['current', '電流'],
    power: ['power', '電力'],
    climate: ['temperature and humidity', '温湿度'],
    count: ['part counter (quantity: count)', '生産数カウンタ（quantity: count）'],
  }[needs];
  return { en: `channel "${channel}" of "${node}" has no ${what[0]}`, ja: `「${node}」の「${channel}」には${what[1]}がありません` };
}
