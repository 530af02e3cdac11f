/**
 * fsfault's command line. Every command lives in its own module under commands/ and registers
 * itself on the program; this file only sets up error handling: a bad argument or a typed error
 * becomes one clear line on stderr and a non-zero exit code (2: usage/config, 1: runtime).
 */
import { Command, CommanderError } from 'commander';
import { FsfaultError, isFsfaultError } from '../errors';
import { processIo, type CliIo } from './io';
export { stdoutClosed } from './io';
import { commandsFor } from './commands';
import { packageVersion } from '../package-info';
import { stderrIsJournal } from '../log/logger';

const USAGE_CODES = new Set(['CLI_BAD_ARGUMENT', 'CONFIG_INVALID', 'CONFIG_UNREADABLE', 'CONFIG_ENV_MISSING', 'REPLAY_BAD_LINE', 'REPLAY_UNREADABLE']);

/** The program with the commands `args` (the words after `fsfault`) need; see commandsFor. */
export async function createProgram(io: CliIo, args: readonly string[] = []): Promise<Command> {
  const program = new Command('fsfault')
    .description('Turns Linux filesystem errors into a reliable stream of events.')
    .version(packageVersion())
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out.write(s),
      writeErr: (s) => io.err.write(s),
      // One line, as the README promises: the usage hint goes on the error's own line.
      outputError: (s, write) => write(`fsfault: ${s.trimEnd().replace(/^error: /, 'error [CLI_BAD_ARGUMENT]: ')} (run with --help for usage)\n`),
    });
  // An empty value ('--state-dir ""', '--host ""') is never meant: without this check it silently
  // means "the default" (a replay writing /var/lib/fsfault) or an empty host name in every event.
  program.hook('preAction', (_program, action) => rejectEmptyValues(action));
  const registers = await Promise.all(commandsFor(args).map((c) => c.load()));
  for (const register of registers) register(program, io);
  for (const c of program.commands) c.exitOverride().configureOutput(program.configureOutput());
  return program;
}

function rejectEmptyValues(cmd: Command): void {
  for (const opt of cmd.options) {
    const v: unknown = cmd.getOptionValue(opt.attributeName());
    const values = Array.isArray(v) ? v : [v];
    if (values.some((x) => typeof x === 'string' && x.trim() === '')) {
      throw new FsfaultError('CLI_BAD_ARGUMENT', `option ${opt.long ?? opt.flags} must not be empty`, { details: { option: opt.long ?? opt.flags } });
    }
  }
}

/** Run the CLI; resolves with the exit code (never throws). */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  try {
    const program = await createProgram(io, argv.slice(2));
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version "errors" are successful exits
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' ? 0 : 2;
    }
    // Under systemd the fatal line carries priority 3 (err) so `journalctl -p err` shows it.
    const prio = io.err === process.stderr && stderrIsJournal(io.env) ? '<3>' : '';
    if (isFsfaultError(e)) {
      io.err.write(`${prio}fsfault: error [${e.code}]: ${e.message}\n`);
      return USAGE_CODES.has(e.code) ? 2 : 1;
    }
    const stack = (e as Error)?.stack ?? String(e);
    // In the journal a multi-line stack would become several entries of default priority.
    io.err.write(`${prio}fsfault: internal error: ${prio ? stack.replace(/\n/g, '\\n') : stack}\n`);
    return 1;
  }
}

/** Parse helpers for options, so a bad value is a CLI_BAD_ARGUMENT naming the option. */
export function intOption(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v)) throw new FsfaultError('CLI_BAD_ARGUMENT', `option ${name} must be a whole number (got '${v}')`);
    return Number(v);
  };
}
