/** What a command writes to: injectable so tests capture output without spawning processes. */
import type { Writable } from 'node:stream';

export interface CliIo {
  out: Writable;
  err: Writable;
  env: NodeJS.ProcessEnv;
}

export const processIo = (): CliIo => ({ out: process.stdout, err: process.stderr, env: process.env });

export function warnTo(io: CliIo): (message: string) => void {
  return (m) => io.err.write(`fsfault: ${m}\n`);
}
