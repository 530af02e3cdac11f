/**
 * Every CLI command module, in help order. Each registers itself on the program. Modules are
 * loaded per command: `fsfault status` never loads kafkajs, inversify or the Avro libraries, and
 * `--version` loads no command at all (start-up time is part of the CLI; bench/cli-startup).
 */
import type { Command } from 'commander';
import type { CliIo } from '../io';
import type { StoreCommandDeps } from '../store-commands';

export type Register = (program: Command, io: CliIo) => void;

export interface CommandModule {
  /** The command's name as typed (the first word after `fsfault`). */
  name: string;
  load(): Promise<Register>;
}

async function storeCommand(load: () => Promise<{ register: (p: Command, deps: StoreCommandDeps) => void }>, withReplay = false): Promise<Register> {
  const [{ register }, { defaultStoreDeps }] = await Promise.all([load(), import('../store-commands')]);
  if (!withReplay) return (p, io) => register(p, defaultStoreDeps(io));
  const { replayInto } = await import('../replay-into');
  return (p, io) => register(p, { ...defaultStoreDeps(io), replayInto: replayInto(io) });
}

export const COMMANDS: readonly CommandModule[] = [
  { name: 'watch', load: async () => (await import('./watch')).register },
  { name: 'doctor', load: async () => (await import('./doctor')).register },
  { name: 'status', load: () => storeCommand(() => import('./status')) },
  { name: 'events', load: () => storeCommand(() => import('./events')) },
  { name: 'summary', load: () => storeCommand(() => import('./summary')) },
  { name: 'replay', load: () => storeCommand(() => import('./replay'), true) },
  { name: 'report', load: async () => (await import('./report')).register },
  { name: 'export', load: async () => (await import('./export')).register },
  { name: 'schema', load: async () => (await import('./schema')).register },
  { name: 'validate', load: async () => (await import('./validate')).register },
  { name: 'fleet', load: async () => (await import('./fleet')).register },
];

/**
 * The commands a command line needs: the one it names; none for a bare `--version`; all of them
 * otherwise (help, or an unknown command, whose error lists the commands).
 */
export function commandsFor(args: readonly string[]): readonly CommandModule[] {
  const word = args.find((a) => !a.startsWith('-'));
  const named = word === undefined ? undefined : COMMANDS.find((c) => c.name === word);
  if (named) return [named];
  if (word === undefined && args.length > 0 && args.every((a) => a === '--version' || a === '-V')) return [];
  return COMMANDS;
}
