/** What a command writes to: injectable so tests capture output without spawning processes. */
import type { Writable } from 'node:stream';
import { stderrIsJournal } from '../log/logger';

export interface CliIo {
  out: Writable;
  err: Writable;
  env: NodeJS.ProcessEnv;
}

export const processIo = (): CliIo => ({ out: process.stdout, err: process.stderr, env: process.env });

/** Warnings of the one-shot commands: a plain `fsfault: …` line (journald priority under systemd). */
export function warnTo(io: CliIo): (message: string) => void {
  const prefix = io.err === process.stderr && stderrIsJournal(io.env) ? '<4>' : '';
  return (m) => io.err.write(`${prefix}fsfault: ${m}\n`);
}
