/** The kit's life commands (init, doctor, calibrate, export, wipe, service) as the CLI dispatches them. */
import { ConfigError } from '../../config/load.js';
import { CALIBRATE_HELP, calibrateCommand } from './calibrate.js';
import { DOCTOR_HELP, doctorCommand } from './doctor.js';
import { EXIT } from './exitCodes.js';
import { EXPORT_HELP, exportCommand } from './export.js';
import { INIT_HELP, initCommand } from './init.js';
import { type CommandIo, consoleIo } from './io.js';
import { SERVICE_HELP, serviceCommand } from './service.js';
import { CommandError } from './text.js';
import { WIPE_HELP, wipeCommand } from './wipe.js';

type Command = (args: string[], io: CommandIo) => Promise<number>;

export const KITLIFE_COMMANDS: Record<string, Command> = {
  init: initCommand,
  doctor: doctorCommand,
  calibrate: calibrateCommand,
  export: exportCommand,
  wipe: wipeCommand,
  service: serviceCommand,
};

export const KITLIFE_HELP = [INIT_HELP, DOCTOR_HELP, CALIBRATE_HELP, EXPORT_HELP, WIPE_HELP, SERVICE_HELP].join('\n') + '\n';

/** Runs one command; every error becomes a message in both languages and an exit code a script can test (docs/cli.md). */
export async function runKitlifeCommand(name: string, args: string[], io: CommandIo = consoleIo): Promise<number> {
  const command = KITLIFE_COMMANDS[name] as Command;
  try {
    return await command(args, io);
  } catch (error) {
    if (error instanceof CommandError) {
      process.stderr.write(`${error.text.ja}\n${error.text.en}\n`);
      return error.exitCode;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return EXIT.usage;
    }
    const err = error as NodeJS.ErrnoException;
    // parseArgs: an unknown or malformed option.
    if (err.code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`使い方の誤り / usage: ${err.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`失敗しました / failed: ${err.message}${err.code ? ` (${err.code})` : ''}\n`);
    return EXIT.failed;
  }
}
