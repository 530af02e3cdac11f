import { Writable } from 'node:stream';
import type { CliIo } from '../../../core/cli/io';

/** A CliIo that captures stdout/stderr; `tty` makes stderr claim to be a terminal. */
export function captureIo(tty = false): CliIo & { outText(): string; errText(): string } {
  const sink = () => {
    const chunks: string[] = [];
    const w = new Writable({
      write(c, _e, cb) {
        chunks.push(c.toString());
        cb();
      },
    });
    return { w, text: () => chunks.join('') };
  };
  const out = sink();
  const err = sink();
  if (tty) (err.w as Writable & { isTTY?: boolean }).isTTY = true;
  return { out: out.w, err: err.w, env: {}, outText: out.text, errText: err.text };
}
