/** What a kit file may do but probably should not: reported beside a valid file, never a reason to refuse it. */
import type { ConfigProblem } from './load.js';
import type { KitConfig } from './schema.js';

/**
 * From here up a system may lend a port to an outgoing connection (Linux 32768–60999, others 49152–65535): a kit
 * listening there can find it taken by a browser's or a backup's connection when it starts.
 */
export const EPHEMERAL_PORTS_FROM = 32768;

function ephemeralPort(path: string, port: number): ConfigProblem[] {
  if (port < EPHEMERAL_PORTS_FROM) return [];
  return [
    {
      path,
      en:
        `${port} is in the range the system lends to outgoing connections (${EPHEMERAL_PORTS_FROM} and above): another program's ` +
        `connection may hold it when the kit starts; choose a port below ${EPHEMERAL_PORTS_FROM}`,
      ja:
        `${port} は OS が外向きの接続に貸し出す範囲（${EPHEMERAL_PORTS_FROM} 以上）です。キットの起動時にほかのプログラムの接続が` +
        `使っていることがあります。${EPHEMERAL_PORTS_FROM} 未満のポートにしてください`,
    },
  ];
}

/**
 * A machine's inspection station that is not one the kit runs: right for a station outside the kit (its own PC publishing over
 * MQTT), but a misspelt name would silently count no rejects, and quality would read 100 % (docs/production.md).
 */
function stationsOutsideKit(config: KitConfig): ConfigProblem[] {
  const { enabled, stations } = config.inspection;
  const own = new Set(enabled ? stations.map((s) => s.id) : []);
  return config.production.machines.flatMap(({ machine, inspectionStation: name }, i) => {
    if (name === undefined || own.has(name)) return [];
    const topic = `minotake/v1/${config.kit.id}/inspection/${name}/result`;
    return [
      {
        path: `production.machines[${i}].inspectionStation`,
        en:
          `"${name}" is not a live inspection station of this kit (${enabled ? 'not in inspection.stations' : 'inspection.enabled is false'}): ` +
          `rejects of ${machine} will come only if a station outside the kit publishes under that name on ${topic}; check the spelling`,
        ja:
          `「${name}」はこのキットのライブ判定のステーションではありません（${enabled ? 'inspection.stations にありません' : 'inspection.enabled が false です'}）。` +
          `キットの外のステーションがこの名前で ${topic} に送る場合にだけ、${machine} の不良数が入ります。綴りを確かめてください`,
      },
    ];
  });
}

/** A reasonMissing rule naming a machine that asks for no reasons (askReasonFor: []): it can never fire for that machine. */
function reasonRulesNeverAsked(config: KitConfig): ConfigProblem[] {
  const silent = new Set(config.production.machines.filter((m) => m.askReasonFor?.length === 0).map((m) => m.machine));
  return config.alarms.rules.flatMap((rule, i) =>
    rule.kind !== 'reasonMissing'
      ? []
      : rule.targets.flatMap((target, j) =>
          silent.has(target)
            ? [
                {
                  path: `alarms.rules[${i}].targets[${j}]`,
                  en: `machine "${target}" asks for no stop reasons (production.machines askReasonFor: []), so this rule never fires for it`,
                  ja: `設備「${target}」は停止理由を求めない設定（production.machines の askReasonFor: []）なので、このルールは発報しません`,
                },
              ]
            : [],
        ),
  );
}

export function configWarnings(config: KitConfig): ConfigProblem[] {
  return [
    ...ephemeralPort('broker.port', config.broker.port),
    ...(config.broker.tls ? ephemeralPort('broker.tls.port', config.broker.tls.port) : []),
    ...ephemeralPort('http.port', config.http.port),
    ...stationsOutsideKit(config),
    ...reasonRulesNeverAsked(config),
  ];
}
