/** Parses one serial line into a frame, or says exactly why it was rejected. Pure. */
import { crc16Hex } from './crc16.js';
import { type ChannelKind, COUNT_MODULO, type Frame, MAX_LINE_LENGTH, type ParseResult, PROTOCOL_VERSION, SEQ_MODULO } from './frame.js';

const ID = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const CODE = /^[A-Z0-9_]{1,24}$/;
const NUMBER = /^-?\d+(\.\d+)?$/;
const KINDS: Record<string, ChannelKind> = { I: 'current', C: 'climate' };

class Reject extends Error {
  constructor(
    readonly reason: Exclude<ParseResult, { ok: true }>['reason'],
    detail: string,
  ) {
    super(detail);
  }
}

function num(text: string | undefined, what: string, min: number, max: number): number {
  if (text === undefined || !NUMBER.test(text)) throw new Reject('bad_value', `${what}: not a number (${JSON.stringify(text)})`);
  const value = Number(text);
  if (value < min || value > max) throw new Reject('bad_value', `${what}: ${value} outside ${min}..${max}`);
  return value;
}

/** A whole number 0…max in plain decimal (no sign, no point, no leading zeros beyond a single 0). */
function whole(text: string | undefined, what: string, max: number): number {
  if (text === undefined || !/^(0|[1-9]\d{0,15})$/.test(text))
    throw new Reject('bad_value', `${what}: not a whole number (${JSON.stringify(text)})`);
  const value = Number(text);
  if (value > max) throw new Reject('bad_value', `${what}: ${value} outside 0..${max}`);
  return value;
}

function id(text: string | undefined, what: string): string {
  if (text === undefined || !ID.test(text)) throw new Reject('bad_format', `${what}: not a valid id (${JSON.stringify(text)})`);
  return text;
}

function keyValue(field: string, what: string): [string, string] {
  const eq = field.indexOf('=');
  if (eq <= 0) throw new Reject('bad_format', `${what}: expected key=value, got ${JSON.stringify(field)}`);
  return [field.slice(0, eq), field.slice(eq + 1)];
}

function body(type: string, seq: number, fields: string[]): Frame {
  switch (type) {
    case 'H': {
      const [nodeId, firmware, channelList, ...rest] = fields;
      if (rest.length > 0 || channelList === undefined) throw new Reject('bad_format', 'hello: expected nodeId,firmware,channels');
      if (!firmware || !/^[\w.+-]{1,16}$/.test(firmware))
        throw new Reject('bad_format', `hello: bad firmware version ${JSON.stringify(firmware)}`);
      const channels = channelList.split(';').map((entry) => {
        const [channel, kind] = entry.split(':');
        const known = kind === undefined ? undefined : KINDS[kind];
        if (!known) throw new Reject('bad_format', `hello: bad channel ${JSON.stringify(entry)}`);
        return { id: id(channel, 'hello channel'), kind: known };
      });
      return { type: 'hello', seq, nodeId: id(nodeId, 'hello nodeId'), firmware, channels };
    }
    case 'I': {
      if (fields.length === 0) throw new Reject('bad_format', 'current: no channels');
      const amps: Record<string, number> = {};
      for (const field of fields) {
        const [channel, value] = keyValue(field, 'current');
        amps[id(channel, 'current channel')] = num(value, `current ${channel}`, 0, 1000);
      }
      return { type: 'current', seq, amps };
    }
    case 'C': {
      const [channel, t, h, ...rest] = fields;
      if (rest.length > 0 || t === undefined || h === undefined) throw new Reject('bad_format', 'climate: expected channel,t=…,h=…');
      const [tKey, tValue] = keyValue(t, 'climate');
      const [hKey, hValue] = keyValue(h, 'climate');
      if (tKey !== 't' || hKey !== 'h') throw new Reject('bad_format', 'climate: expected t= then h=');
      return {
        type: 'climate',
        seq,
        channel: id(channel, 'climate channel'),
        temperatureC: num(tValue, 'temperature', -40, 125),
        humidityPct: num(hValue, 'humidity', 0, 100),
      };
    }
    case 'B': {
      if (fields.length !== 1) throw new Reject('bad_format', 'heartbeat: expected uptime');
      return { type: 'heartbeat', seq, uptimeS: num(fields[0], 'uptime', 0, 2 ** 32) };
    }
    case 'X': {
      const [channel, code, ...rest] = fields;
      if (rest.length > 0 || code === undefined || !CODE.test(code)) throw new Reject('bad_format', 'error: expected channel,CODE');
      return { type: 'sensorError', seq, channel: id(channel, 'error channel'), code };
    }
    case 'P': {
      const [channel, n, a, ...rest] = fields;
      if (rest.length > 0 || n === undefined || a === undefined) throw new Reject('bad_format', 'count: expected channel,n=…,a=…');
      const [nKey, nValue] = keyValue(n, 'count');
      const [aKey, aValue] = keyValue(a, 'count');
      if (nKey !== 'n' || aKey !== 'a') throw new Reject('bad_format', 'count: expected n= then a=');
      return {
        type: 'count',
        seq,
        channel: id(channel, 'count channel'),
        total: whole(nValue, 'count total', COUNT_MODULO - 1),
        lastPartAgeMs: whole(aValue, 'count age', COUNT_MODULO - 1),
      };
    }
    default:
      throw new Reject('unknown_type', `unknown line type ${JSON.stringify(type)}`);
  }
}

export function parseLine(raw: string): ParseResult {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (line.length > MAX_LINE_LENGTH) return { ok: false, reason: 'too_long', detail: `${line.length} characters > ${MAX_LINE_LENGTH}` };
  try {
    if (!line.startsWith(`${PROTOCOL_VERSION},`)) throw new Reject('bad_version', `line does not start with ${PROTOCOL_VERSION}`);
    const star = line.lastIndexOf('*');
    if (star < 0 || line.length - star !== 5) throw new Reject('bad_format', 'no *XXXX checksum at the end');
    const content = line.slice(0, star);
    const given = line.slice(star + 1);
    if (crc16Hex(content) !== given.toUpperCase()) throw new Reject('bad_checksum', `checksum ${given} != ${crc16Hex(content)}`);
    const [, seqText, type, ...fields] = content.split(',');
    if (seqText === undefined || !/^\d{1,5}$/.test(seqText) || Number(seqText) >= SEQ_MODULO) {
      throw new Reject('bad_format', `bad sequence number ${JSON.stringify(seqText)}`);
    }
    if (type === undefined || type.length !== 1) throw new Reject('bad_format', `bad line type ${JSON.stringify(type)}`);
    return { ok: true, frame: body(type, Number(seqText), fields) };
  } catch (error) {
    if (error instanceof Reject) return { ok: false, reason: error.reason, detail: error.message };
    throw error;
  }
}
