/** The kit file's `production` section: stop reasons, and per machine its part counter, ideal cycle and plan (docs/production.md). */
import { type Static, Type as T } from '@sinclair/typebox';

const Id = T.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,31}$', description: 'lower-case letters, digits, - and _; at most 32' });
const Name = T.String({ minLength: 1, maxLength: 64 });
const strict = { additionalProperties: false } as const;

/** One stop reason (停止理由) an operator can tap. */
export const StopReason = T.Object(
  {
    id: Id,
    name: Name,
    nameEn: T.Optional(Name),
    /** A planned stop (計画停止): still planned time in 稼働率, but out of OEE availability's loading time, and after the targets in the Pareto. */
    planned: T.Boolean({ default: false }),
    /** The operator may (and for "other" should) add a few words. */
    note: T.Boolean({ default: false }),
  },
  strict,
);

export const DEFAULT_STOP_REASONS: Static<typeof StopReason>[] = [
  { id: 'setup', name: '段取り', nameEn: 'Set-up', planned: false, note: false },
  { id: 'material', name: '材料待ち', nameEn: 'Waiting for material', planned: false, note: false },
  { id: 'breakdown', name: '故障', nameEn: 'Breakdown', planned: false, note: false },
  { id: 'quality', name: '品質確認', nameEn: 'Quality check', planned: false, note: false },
  { id: 'planned', name: '計画停止', nameEn: 'Planned stop', planned: true, note: false },
  { id: 'other', name: 'その他', nameEn: 'Other', planned: false, note: true },
];

/**
 * Where a machine's parts are counted: a GPIO pulse input (`{ gpio }`, counted at the edge), or a counter channel of a sensor
 * node (`{ node, channel }`: the node's `P` count line, or a Modbus device's register with `quantity: count`).
 */
export const CounterSource = T.Union([T.Object({ gpio: Id }, strict), T.Object({ node: Id, channel: Id }, strict)]);

/** The machine states a stop is made of (a stretch of them side by side is one stop). */
export const STOP_STATES = ['OFF', 'IDLE', 'FAULT'] as const;
export type StopState = (typeof STOP_STATES)[number];

const ProductionMachine = T.Object(
  {
    machine: Id,
    /**
     * Which stops ask the operator for a reason: those with at least reasonAfterMinutes of planned time in these states (default:
     * all three). A compressor or pump whose idling is its normal work: [OFF, FAULT]; a machine never asked: [].
     */
    askReasonFor: T.Optional(T.Array(T.Union(STOP_STATES.map((s) => T.Literal(s))), { maxItems: 3 })),
    counter: T.Optional(
      T.Object(
        {
          source: CounterSource,
          /** Parts made per pulse or per step of the device's counter (a die with two cavities: 2). */
          partsPerPulse: T.Integer({ minimum: 1, maximum: 1000, default: 1 }),
          /** A longer gap between two parts is a stop, not a cycle: it is left out of the cycle-time figures. */
          maxCycleSeconds: T.Number({ exclusiveMinimum: 0, maximum: 86400, default: 600 }),
        },
        strict,
      ),
    ),
    /** The fastest sustainable cycle (理想サイクルタイム): OEE performance = ideal cycle × count ÷ run time. */
    idealCycleSeconds: T.Optional(T.Number({ exclusiveMinimum: 0, maximum: 86400 })),
    /** The plan (生産計画): a target cycle time or a quantity per planned hour; one of the two. */
    target: T.Optional(
      T.Object(
        {
          cycleSeconds: T.Optional(T.Number({ exclusiveMinimum: 0, maximum: 86400 })),
          perHour: T.Optional(T.Number({ exclusiveMinimum: 0, maximum: 1_000_000 })),
        },
        strict,
      ),
    ),
    /** An inspection station whose NG verdicts are this machine's rejects (docs/production.md). */
    inspectionStation: T.Optional(Id),
  },
  strict,
);

export const Production = T.Object(
  {
    reasons: T.Array(StopReason, { default: DEFAULT_STOP_REASONS, minItems: 1, maxItems: 24 }),
    /** A stop (OFF, IDLE or FAULT) with at least this much planned time asks the tablet for a reason. */
    reasonAfterMinutes: T.Number({ minimum: 0, maximum: 1440, default: 5 }),
    /** A manager may change any recorded reason; an operator only their own tap, within this many minutes (a gloved mis-tap). */
    operatorCorrectionMinutes: T.Number({ minimum: 0, maximum: 1440, default: 10 }),
    machines: T.Array(ProductionMachine, { default: [] }),
  },
  { ...strict, default: {} },
);

export type ProductionConfig = Static<typeof Production>;
export type ProductionMachineConfig = ProductionConfig['machines'][number];
export type StopReasonConfig = Static<typeof StopReason>;
export type CounterSourceConfig = Static<typeof CounterSource>;
