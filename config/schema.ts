/** The kit configuration schema: one YAML file per kit, validated against this at load. */
import { type Static, Type as T } from '@sinclair/typebox';
import { Production } from './productionSchema.js';

const Id = T.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,31}$', description: 'lower-case letters, digits, - and _; at most 32' });
const Name = T.String({ minLength: 1, maxLength: 64 });
const strict = { additionalProperties: false } as const;

const Kit = T.Object(
  {
    id: Id,
    site: Name,
    timeZone: T.String({ default: 'Asia/Tokyo', minLength: 1 }),
    locale: T.Union([T.Literal('ja'), T.Literal('en')], { default: 'ja' }),
    /** The preset this kit file was made from (`minotake init`); `minotake wipe` resets the file to it. */
    preset: T.Optional(T.String({ minLength: 1, maxLength: 200 })),
    /** The company's electricity price (yen per kWh, all charges in), for the trial report's energy estimate; unset, 27 is assumed and said so. */
    tariffYenPerKwh: T.Optional(T.Number({ exclusiveMinimum: 0, maximum: 1000 })),
  },
  strict,
);

const Simulator = T.Object(
  {
    scenario: T.String({
      minLength: 1,
      description:
        'a firmware-sim scenario name (normal-day, heat-wave, breakdown, production-day, demo-week: firmware-sim/scenarios/) or a path',
    }),
    linesPerSecond: T.Number({ exclusiveMinimum: 0, maximum: 100000, default: 1 }),
    /** Simulated clock time to start from (HH:MM), so a demo at night still shows a working shop floor. */
    startAt: T.Optional(T.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' })),
    /** On the kit's first start, fill this many past days from the same scenario (marked demo=1), so a demo has history. */
    backfillDays: T.Integer({ minimum: 0, maximum: 31, default: 0 }),
  },
  strict,
);

const SerialNode = T.Object(
  {
    id: Id,
    /** /dev/ttyUSB0, or better /dev/serial/by-id/usb-… which survives re-plugging; for a simulated node, where its pty appears. */
    path: T.String({ minLength: 1 }),
    baudRate: T.Integer({ minimum: 1200, maximum: 3000000, default: 115200 }),
    silentAfterSeconds: T.Number({ exclusiveMinimum: 0, default: 30 }),
    simulator: T.Optional(Simulator),
  },
  strict,
);

const GpioInput = T.Object(
  {
    id: Id,
    /** BCM pin number as printed on pinout diagrams; the sysfs base of the chip is added at run time. */
    pin: T.Integer({ minimum: 0, maximum: 53 }),
    activeLow: T.Boolean({ default: false }),
    debounceMs: T.Integer({ minimum: 0, maximum: 10000, default: 50 }),
  },
  strict,
);

/** One value a Modbus device holds: which channel and quantity it is, where it lives and how it is encoded. */
const ModbusRegister = T.Object(
  {
    channel: Id,
    /** current A, voltage V, power W, energy kWh, powerFactor, frequency Hz, temperature °C, humidity %RH; count: a part counter's running total (docs/production.md). */
    quantity: T.Union(
      (['current', 'voltage', 'power', 'energy', 'powerFactor', 'frequency', 'temperature', 'humidity', 'count'] as const).map((q) =>
        T.Literal(q),
      ),
    ),
    /** The protocol address, counted from 0 (a manual's 30001 is input register 0, 40001 holding register 0). */
    address: T.Integer({ minimum: 0, maximum: 65535 }),
    table: T.Union([T.Literal('input'), T.Literal('holding')], { default: 'input' }),
    type: T.Union(
      (['int16', 'uint16', 'int32', 'uint32', 'float32'] as const).map((t) => T.Literal(t)),
      { default: 'uint16' },
    ),
    /** The value is the register's number times this (0.1 for a sensor that sends 23.4 °C as 234). */
    scale: T.Number({ default: 1 }),
    /** 32-bit types: which of the two registers holds the high half (Eastron: high first). */
    wordOrder: T.Union([T.Literal('high-first'), T.Literal('low-first')], { default: 'high-first' }),
  },
  strict,
);

const ModbusDevice = T.Object(
  {
    /** The device's id in the MQTT tree and InfluxDB, like a sensor node's: machines and zones refer to it as `node`. */
    id: Id,
    /** The slave address set on the device (1–247); each device on a bus needs its own. */
    address: T.Integer({ minimum: 1, maximum: 247 }),
    /** A shipped register map (xy-md02, sdm120, sdm630), or … */
    map: T.Optional(T.String({ minLength: 1 })),
    /** … the registers written out for a device without a shipped map. */
    registers: T.Optional(T.Array(ModbusRegister, { minItems: 1 })),
    pollSeconds: T.Number({ minimum: 0.2, maximum: 3600, default: 5 }),
    /** How long to wait for an answer before trying again. */
    timeoutMs: T.Integer({ minimum: 20, maximum: 10000, default: 500 }),
    retries: T.Integer({ minimum: 0, maximum: 5, default: 2 }),
    /** No answer for this long and the device is reported offline (like a silent sensor node). */
    silentAfterSeconds: T.Number({ exclusiveMinimum: 0, default: 30 }),
  },
  strict,
);

/** One RS-485 bus on a USB adapter: every device on it shares its speed and framing, and one request runs at a time. */
const ModbusBus = T.Object(
  {
    id: Id,
    /** /dev/serial/by-id/usb-… of the USB–RS-485 adapter. */
    path: T.String({ minLength: 1 }),
    baudRate: T.Integer({ minimum: 1200, maximum: 115200, default: 9600 }),
    parity: T.Union([T.Literal('none'), T.Literal('even'), T.Literal('odd')], { default: 'none' }),
    stopBits: T.Union([T.Literal(1), T.Literal(2)], { default: 1 }),
    devices: T.Array(ModbusDevice, { minItems: 1 }),
    /**
     * Start simulated devices (firmware-sim) on a pty at `path` for every device of the bus: the demo. `backfillDays`: the
     * first start fills that many past days of the devices' readings (tagged demo=1), as a serial node's simulator does.
     */
    simulator: T.Optional(T.Union([T.Boolean(), T.Object({ backfillDays: T.Integer({ minimum: 0, maximum: 31, default: 0 }) }, strict)])),
  },
  strict,
);

/** A sensor node that publishes over the factory Wi-Fi to the kit's broker itself, with its own `node` account. */
const NetworkNode = T.Object(
  {
    id: Id,
    /** No reading for this long (by arrival) and the node is offline and its machines 無信号, as for a serial node. */
    silentAfterSeconds: T.Number({ exclusiveMinimum: 0, default: 30 }),
  },
  strict,
);

const LampMeaning = T.Union([T.Literal('RUN'), T.Literal('IDLE'), T.Literal('FAULT'), T.Literal('none')]);
const lampMeaning = T.Optional(LampMeaning);

/** A signal tower (積層信号灯) read by photo sensors on its lamps, each on a GPIO input (through an opto-isolated board). */
const SignalTower = T.Object(
  {
    id: Id,
    /** The GPIO input (an id in sources.gpio) on each wired lamp. */
    lamps: T.Object(
      { red: T.Optional(Id), yellow: T.Optional(Id), green: T.Optional(Id), blue: T.Optional(Id), white: T.Optional(Id) },
      { ...strict, minProperties: 1 },
    ),
    /** What a lamp says lit and blinking; unset keys keep the defaults (docs/config.md: red FAULT, yellow IDLE, green RUN, green blinking IDLE). */
    meaning: T.Object(
      {
        red: lampMeaning,
        redBlinking: lampMeaning,
        yellow: lampMeaning,
        yellowBlinking: lampMeaning,
        green: lampMeaning,
        greenBlinking: lampMeaning,
        blue: lampMeaning,
        blueBlinking: lampMeaning,
        white: lampMeaning,
        whiteBlinking: lampMeaning,
      },
      { ...strict, default: {} },
    ),
    /** The longest on or off phase of a blink (about 1–2 Hz); a lamp steady for longer is lit or off. */
    blinkPhaseMaxMs: T.Integer({ minimum: 300, maximum: 5000, default: 1500 }),
    /** A level held for less than this is a glitch, not an edge (on top of the input's own debounceMs). */
    glitchMs: T.Integer({ minimum: 0, maximum: 500, default: 80 }),
  },
  strict,
);

const ChannelRef = T.Object({ node: Id, channel: Id }, strict);
/** A machine's channel; `quantity: power` takes its state from a meter's watts instead of amps (thresholds in W). */
const MachineChannelRef = T.Object(
  { node: Id, channel: Id, quantity: T.Optional(T.Union([T.Literal('current'), T.Literal('power')])) },
  strict,
);
const GpioRef = T.Object({ gpio: Id }, strict);
const TowerRef = T.Object({ tower: Id }, strict);

const Thresholds = T.Object(
  {
    /** RMS amps above which the machine is at least idle (controls and pumps on). */
    idleAbove: T.Number({ minimum: 0 }),
    /** RMS amps above which the machine is running. */
    runAbove: T.Number({ exclusiveMinimum: 0 }),
    /** Amps a reading must fall below a threshold before the state drops, so noise at the limit does not flap. */
    hysteresis: T.Number({ minimum: 0, default: 0.2 }),
  },
  strict,
);

/** How the machine is fed: with the CT's amps, what the trial report's energy estimate assumes (P = √3·V·I·cos φ for three phases). */
const Supply = T.Object(
  {
    /** Line-to-line voltage for three phases, line voltage for one. */
    volts: T.Number({ exclusiveMinimum: 0, maximum: 1000, default: 200 }),
    phases: T.Union([T.Literal(1), T.Literal(3)], { default: 3 }),
    powerFactor: T.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.8 }),
  },
  { ...strict, default: {} },
);

const Machine = T.Object(
  {
    id: Id,
    name: Name,
    nameEn: T.Optional(Name),
    source: T.Union([MachineChannelRef, GpioRef, TowerRef]),
    thresholds: T.Optional(Thresholds),
    minDwellSeconds: T.Number({ minimum: 0, default: 5 }),
    silentAfterSeconds: T.Number({ exclusiveMinimum: 0, default: 30 }),
    supply: Supply,
  },
  strict,
);

const Zone = T.Object(
  {
    id: Id,
    name: Name,
    nameEn: T.Optional(Name),
    source: ChannelRef,
    /** The humidity band the product or the people need (%RH); the trial report counts the hours outside it. */
    humidityRange: T.Object(
      { min: T.Number({ minimum: 0, maximum: 100, default: 40 }), max: T.Number({ minimum: 0, maximum: 100, default: 70 }) },
      { ...strict, default: {} },
    ),
  },
  strict,
);

const Account = T.Object(
  {
    username: T.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
    /** scrypt hash made by `minotake hash-password`; a plain `password` is accepted for a bench kit only. */
    passwordHash: T.Optional(T.String({ pattern: '^scrypt\\$' })),
    password: T.Optional(T.String({ minLength: 8 })),
    /** edge: publishes readings and states for the whole kit; node: publishes only under its own node; reader: subscribes only. */
    role: T.Union([T.Literal('edge'), T.Literal('node'), T.Literal('reader')]),
    node: T.Optional(Id),
  },
  strict,
);

const Broker = T.Object(
  {
    host: T.String({ default: '0.0.0.0' }),
    port: T.Integer({ minimum: 0, maximum: 65535, default: 1883 }),
    accounts: T.Array(Account, { default: [] }),
    /** Largest MQTT packet any client may send; a larger one closes its connection as soon as its header announces it. */
    maxPacketBytes: T.Integer({ minimum: 2048, maximum: 1048576, default: 32768 }),
    /**
     * MQTT over TLS with the kit's certificate (PEM files); plain `port` stays open too (`host: 127.0.0.1` keeps it off the network).
     * The in-process edge uses neither port: it hands its messages straight to aedes (edge/localPublisher.ts).
     */
    tls: T.Optional(
      T.Object(
        {
          cert: T.String({ minLength: 1 }),
          key: T.String({ minLength: 1 }),
          host: T.String({ default: '0.0.0.0' }),
          port: T.Integer({ minimum: 0, maximum: 65535, default: 8883 }),
        },
        strict,
      ),
    ),
  },
  strict,
);

const Influx = T.Object(
  {
    url: T.String({ pattern: '^https?://' }),
    username: T.Optional(T.String()),
    password: T.Optional(T.String()),
  },
  strict,
);

/** The point buffer's in-memory queue: past it points spill to the spool. A batch must leave room in it for what arrives during a write. */
export const MAX_QUEUED_POINTS = 50_000;

const Storage = T.Object(
  {
    /** Without it the kit starts and manages its own influxd under dataDir. */
    influx: T.Optional(Influx),
    database: T.String({ pattern: '^[A-Za-z0-9_]{1,64}$', default: 'minotake' }),
    batchSize: T.Integer({ minimum: 1, maximum: MAX_QUEUED_POINTS, default: 5000 }),
    flushIntervalMs: T.Integer({ minimum: 10, maximum: 60000, default: 1000 }),
    spool: T.Object(
      {
        maxMegabytes: T.Number({ exclusiveMinimum: 0, default: 256 }),
        segmentMegabytes: T.Number({ exclusiveMinimum: 0, default: 4 }),
        fsyncIntervalMs: T.Integer({ minimum: 10, maximum: 60000, default: 1000 }),
        /** Free space kept on the spool's disk for the rest of the system (at most a tenth of the disk). */
        keepFreeMegabytes: T.Number({ minimum: 0, default: 100 }),
      },
      { ...strict, default: {} },
    ),
    /** Points InfluxDB refuses for good, kept with their reason in <dataDir>/dead-letters/ (two rotating files). */
    deadLetters: T.Object({ maxMegabytes: T.Number({ exclusiveMinimum: 0, default: 16 }) }, { ...strict, default: {} }),
    retention: T.Object(
      {
        raw: T.String({ pattern: '^(INF|\\d+[hdw])$', default: '30d' }),
        minute: T.String({ pattern: '^(INF|\\d+[hdw])$', default: '400d' }),
        hour: T.String({ pattern: '^(INF|\\d+[hdw])$', default: 'INF' }),
        /** Machine state changes, digital inputs, sensor errors: small, and what the trial report is made of. */
        events: T.String({ pattern: '^(INF|\\d+[hdw])$', default: 'INF' }),
      },
      { ...strict, default: {} },
    ),
  },
  { ...strict, default: {} },
);

const EdgeLink = T.Object(
  {
    /** The broker the edge publishes to when it runs on its own; without it the kit runs the edge in-process. */
    brokerUrl: T.String({ pattern: '^mqtts?://' }),
    username: T.String(),
    password: T.String(),
  },
  strict,
);

const ClockTime = T.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', description: 'HH:MM, local time' });
const Weekday = T.Union(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((d) => T.Literal(d)));

const Shift = T.Object(
  {
    id: Id,
    name: Name,
    nameEn: T.Optional(Name),
    /** A shift may cross midnight (a night shift 22:00–06:00 belongs to the day it starts on). */
    start: ClockTime,
    end: ClockTime,
    breaks: T.Array(T.Object({ start: ClockTime, end: ClockTime }, strict), { default: [] }),
    days: T.Array(Weekday, { default: ['mon', 'tue', 'wed', 'thu', 'fri'], minItems: 1 }),
  },
  strict,
);

/** The work calendar (操業カレンダー): planned time is what 稼働率 divides by. */
const Calendar = T.Object(
  {
    shifts: T.Array(Shift, {
      default: [{ id: 'day', name: '日勤', nameEn: 'Day shift', start: '08:30', end: '17:30', breaks: [{ start: '12:00', end: '13:00' }] }],
      minItems: 1,
    }),
    /** Days off (YYYY-MM-DD, local): no planned time at all. */
    holidays: T.Array(T.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }), { default: [] }),
  },
  { ...strict, default: {} },
);

const Http = T.Object(
  {
    host: T.String({ default: '0.0.0.0' }),
    port: T.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
    /** Where the kit appears behind a reverse proxy, e.g. /kit-a01/; always starts and ends with /. */
    basePath: T.String({ pattern: '^/([A-Za-z0-9_.-]+/)*$', default: '/' }),
    /** PEM files for HTTPS; without them the kit serves plain HTTP (fine on a VPN or behind a proxy). */
    tls: T.Optional(T.Object({ cert: T.String({ minLength: 1 }), key: T.String({ minLength: 1 }) }, strict)),
    /**
     * The reverse proxy or VPN gateway in front of the kit, as IP addresses or CIDR ranges (or `loopback`): only requests
     * from these may name the client's address in X-Forwarded-For. Empty: nobody may, every client is its socket's address.
     */
    trustProxy: T.Array(T.String({ minLength: 1 }), { default: [] }),
  },
  { ...strict, default: {} },
);

const Severity = T.Union([T.Literal('info'), T.Literal('warning'), T.Literal('critical')]);

/** One alarm rule. `limit` watches a value against a threshold; the other kinds watch time. */
const AlarmRule = T.Object(
  {
    id: Id,
    name: Name,
    nameEn: T.Optional(Name),
    kind: T.Union([
      T.Literal('limit'),
      T.Literal('silent'),
      T.Literal('stoppedTooLong'),
      T.Literal('runningOffShift'),
      T.Literal('sensorError'),
      T.Literal('machineFault'),
      T.Literal('behindPlan'),
      T.Literal('reasonMissing'),
    ]),
    /** limit: which value. */
    metric: T.Optional(
      T.Union([T.Literal('temperature'), T.Literal('humidity'), T.Literal('wbgt'), T.Literal('current'), T.Literal('power')]),
    ),
    /** limit: zones for climate metrics, machines for current, machines on a meter's power channel for power (W); silent: nodes; machine kinds: machines; sensorError: zones and CT machines. Empty = all of that kind. */
    targets: T.Array(Id, { default: [] }),
    above: T.Optional(T.Number()),
    below: T.Optional(T.Number()),
    /** The value must come back this far inside the limit before the alarm clears, so a value hovering at the limit does not flap. */
    deadband: T.Number({ minimum: 0, default: 0 }),
    onDelaySeconds: T.Number({ minimum: 0, default: 0 }),
    /** sensorError: readings must have come back without an error this long before the alarm clears. */
    offDelaySeconds: T.Number({ minimum: 0, default: 0 }),
    /**
     * silent: no data this long; stoppedTooLong: stopped (OFF/IDLE/FAULT) this long in a shift; runningOffShift: running this
     * long outside shifts; machineFault: stopped with a fault this long (0 or unset: at once).
     */
    afterMinutes: T.Optional(T.Number({ exclusiveMinimum: 0 })),
    /** behindPlan: raised when the shift's parts so far are more than this many behind its plan so far. */
    parts: T.Optional(T.Integer({ minimum: 0 })),
    severity: Severity,
    /** Notification channel ids; empty = every channel whose minSeverity the alarm reaches. */
    notify: T.Optional(T.Array(Id)),
  },
  strict,
);

const QuietHours = T.Object({ start: ClockTime, end: ClockTime, exceptCritical: T.Boolean({ default: true }) }, strict);
const ChannelBase = {
  id: Id,
  minSeverity: T.Union([T.Literal('info'), T.Literal('warning'), T.Literal('critical')], { default: 'warning' }),
  quietHours: T.Optional(QuietHours),
  locale: T.Optional(T.Union([T.Literal('ja'), T.Literal('en')])),
};
const NotificationChannel = T.Union([
  T.Object(
    {
      ...ChannelBase,
      kind: T.Literal('webhook'),
      url: T.String({ pattern: '^https?://' }),
      headers: T.Optional(T.Record(T.String(), T.String())),
    },
    strict,
  ),
  T.Object({ ...ChannelBase, kind: T.Literal('slack'), url: T.String({ pattern: '^https?://' }) }, strict),
  T.Object({ ...ChannelBase, kind: T.Literal('teams'), url: T.String({ pattern: '^https?://' }) }, strict),
  T.Object(
    {
      ...ChannelBase,
      kind: T.Literal('email'),
      host: T.String({ minLength: 1 }),
      port: T.Integer({ minimum: 1, maximum: 65535, default: 587 }),
      secure: T.Boolean({ default: false }),
      username: T.Optional(T.String()),
      password: T.Optional(T.String()),
      from: T.String({ minLength: 3 }),
      to: T.Array(T.String({ minLength: 3 }), { minItems: 1 }),
    },
    strict,
  ),
  /** LINE Messaging API push (LINE Notify ended on 2025-03-31). */
  T.Object(
    {
      ...ChannelBase,
      kind: T.Literal('line'),
      channelAccessToken: T.String({ minLength: 1 }),
      to: T.Array(T.String({ minLength: 1 }), { minItems: 1 }),
      /** For tests and proxies; the real API by default. */
      apiUrl: T.String({ pattern: '^https?://', default: 'https://api.line.me/v2/bot/message/push' }),
    },
    strict,
  ),
]);

const Alarms = T.Object(
  {
    /**
     * The out-of-the-box rules: WBGT 25 / 28 / 31, air temperature 31 °C, sensor silent, sensor fault (a node's error line), stopped
     * too long, fault stop (a tower's red lamp), left running (docs/alarms.md).
     */
    builtin: T.Boolean({ default: true }),
    stoppedTooLongMinutes: T.Number({ exclusiveMinimum: 0, default: 30 }),
    /** A machine stopped with a fault (a tower's red lamp) raises its alarm after this long; 0 = at once. */
    faultAfterMinutes: T.Number({ minimum: 0, default: 0 }),
    runningOffShiftMinutes: T.Number({ exclusiveMinimum: 0, default: 15 }),
    rules: T.Array(AlarmRule, { default: [] }),
    /** Remind about an active alarm nobody acknowledged, every this many minutes (0 = never). */
    reminderMinutes: T.Number({ minimum: 0, default: 30 }),
  },
  { ...strict, default: {} },
);

const Notifications = T.Object(
  {
    channels: T.Array(NotificationChannel, { default: [] }),
    /** How the kit's dashboard is reached from where the messages are read (links in messages). */
    dashboardUrl: T.Optional(T.String({ pattern: '^https?://' })),
  },
  { ...strict, default: {} },
);

/** A camera position that judges images as they arrive in a folder (a camera's FTP/SMB drop, or a capture script). */
const InspectionStation = T.Object(
  {
    id: Id,
    name: Name,
    nameEn: T.Optional(Name),
    /** The inspection trial whose fitted model judges this station's images. */
    trial: Id,
    /** The watched folder; judged files move to judged/OK, judged/NG or rejected/ beside it. */
    watch: T.String({ minLength: 1 }),
    pollMs: T.Integer({ minimum: 200, maximum: 60000, default: 1000 }),
    /** Demo only: a simulated camera drops synthetic parts into the folder. */
    simulator: T.Optional(
      T.Object(
        { intervalSeconds: T.Number({ minimum: 0.2, default: 5 }), defectRate: T.Number({ minimum: 0, maximum: 1, default: 0.15 }) },
        strict,
      ),
    ),
  },
  strict,
);

/** The AI visual-inspection trial (AI外観検査のお試し判定): see docs/inspection.md. */
const Inspection = T.Object(
  {
    enabled: T.Boolean({ default: true }),
    /** Side in pixels the feature network sees (a multiple of 32): 224 on a Pi 4; smaller is faster and misses small defects. */
    imageSize: T.Integer({ minimum: 64, maximum: 512, multipleOf: 32, default: 224 }),
    /** The pretrained network patches are described by: the bundled MobileNetV2, or a TensorFlow.js layers model on disk. */
    backbone: T.Object(
      {
        kind: T.Union([T.Literal('mobilenet_v2'), T.Literal('file')], { default: 'mobilenet_v2' }),
        path: T.Optional(T.String({ minLength: 1 })),
        layers: T.Optional(T.Array(T.String({ minLength: 1 }), { minItems: 1, maxItems: 3 })),
        pixelScale: T.Optional(T.Union([T.Literal('unit'), T.Literal('symmetric')])),
      },
      { ...strict, default: {} },
    ),
    /** The false-reject rate the threshold is set for on held-out good images. */
    falseRejectRate: T.Number({ minimum: 0, maximum: 0.5, default: 0.05 }),
    /** Share of the memory bank kept by the coreset, and its ceiling in patches. */
    coresetRatio: T.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.05 }),
    maxBank: T.Integer({ minimum: 100, maximum: 50000, default: 4000 }),
    maxImageMegapixels: T.Number({ exclusiveMinimum: 0, maximum: 100, default: 40 }),
    maxUploadMegabytes: T.Number({ exclusiveMinimum: 0, maximum: 2000, default: 200 }),
    stations: T.Array(InspectionStation, { default: [] }),
    /** The child process that decodes, fits and judges (docs/inspection.md): started on demand, ended when idle. */
    runtime: T.Object(
      {
        idleSeconds: T.Number({ minimum: 1, maximum: 86400, default: 120 }),
        nice: T.Integer({ minimum: 0, maximum: 19, default: 10 }),
        /** V8's JavaScript heap (--max-old-space-size); TensorFlow.js's WebAssembly memory and image buffers are outside it. */
        heapMb: T.Integer({ minimum: 64, maximum: 8192, default: 256 }),
        /**
         * The whole process's resident memory; above it the runtime is ended and its job fails with a clear error.
         * Unset: 40 % of the machine's memory, at most 1024 MB (a Pi 4 with 2 GB: about 790 MB).
         */
        memoryLimitMb: T.Optional(T.Integer({ minimum: 128, maximum: 16384 })),
      },
      { ...strict, default: {} },
    ),
    /** Demo only: create a ready-made trial from synthetic parts at first start. */
    demoTrial: T.Boolean({ default: false }),
  },
  { ...strict, default: {} },
);

export const KitConfigSchema = T.Object(
  {
    kit: Kit,
    dataDir: T.String({ minLength: 1, default: 'var' }),
    sources: T.Object(
      {
        serial: T.Array(SerialNode, { default: [] }),
        gpio: T.Array(GpioInput, { default: [] }),
        modbus: T.Array(ModbusBus, { default: [] }),
        towers: T.Array(SignalTower, { default: [] }),
        network: T.Array(NetworkNode, { default: [] }),
      },
      { ...strict, default: {} },
    ),
    machines: T.Array(Machine, { default: [] }),
    zones: T.Array(Zone, { default: [] }),
    storage: Storage,
    broker: T.Object(Broker.properties, { ...strict, default: {} }),
    edge: T.Optional(EdgeLink),
    calendar: Calendar,
    alarms: Alarms,
    notifications: Notifications,
    http: Http,
    inspection: Inspection,
    production: Production,
  },
  strict,
);

export type KitConfig = Static<typeof KitConfigSchema>;
export type MachineConfig = KitConfig['machines'][number];
export type ZoneConfig = KitConfig['zones'][number];
export type SerialNodeConfig = KitConfig['sources']['serial'][number];
export type GpioInputConfig = KitConfig['sources']['gpio'][number];
export type SignalTowerConfig = KitConfig['sources']['towers'][number];
export type NetworkNodeConfig = KitConfig['sources']['network'][number];
export type ModbusBusConfig = KitConfig['sources']['modbus'][number];
export type ModbusDeviceConfig = ModbusBusConfig['devices'][number];
export type ModbusRegisterConfig = Static<typeof ModbusRegister>;
export type AccountConfig = KitConfig['broker']['accounts'][number];
export type Thresholds = Static<typeof Thresholds>;
export type CalendarConfig = KitConfig['calendar'];
export type ShiftConfig = CalendarConfig['shifts'][number];
export type AlarmsConfig = KitConfig['alarms'];
export type AlarmRuleConfig = AlarmsConfig['rules'][number];
export type NotificationChannelConfig = KitConfig['notifications']['channels'][number];
export type Severity = AlarmRuleConfig['severity'];
export type InspectionConfig = KitConfig['inspection'];
export type InspectionStationConfig = InspectionConfig['stations'][number];
