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

/**
 * Whether standard output carries `watch`'s event stream (the stdout connector). Closing it then
 * is an error a supervisor must see (OUTPUT_CLOSED, exit 1); for listings (`events | head`) it is
 * only the end of the output (exit 0).
 */
let stdoutCarriesEvents = false;

export function markStdoutCarriesEvents(): void {
  stdoutCarriesEvents = true;
}

/** What bin/fsfault.js does on EPIPE from stdout: the exit code, after a line on `err` when it is an error. */
export function stdoutClosed(err: NodeJS.WritableStream): number {
  if (!stdoutCarriesEvents) return 0;
  err.write('fsfault: error [OUTPUT_CLOSED]: standard output was closed (EPIPE) while watch printed events to it; stopping. Run with --no-stdout when nothing reads the events there\n');
  return 1;
}
