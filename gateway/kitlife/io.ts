/** What a command reads from and writes to: the console, or a test's capture. */
import { createInterface } from 'node:readline/promises';

export interface CommandIo {
  /** One line for the person (or script) that ran the command. */
  out(line: string): void;
  /** Asks on the terminal; undefined when there is no terminal to ask (a script, systemd). */
  ask?(question: string): Promise<string>;
}

export const consoleIo: CommandIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  ...(process.stdin.isTTY
    ? {
        async ask(question: string) {
          const rl = createInterface({ input: process.stdin, output: process.stdout });
          try {
            return await rl.question(question);
          } finally {
            rl.close();
          }
        },
      }
    : {}),
};
