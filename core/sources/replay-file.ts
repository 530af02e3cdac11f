/**
 * Reading a replay file line by line in bounded memory: 64 KiB chunks, never the whole file (a
 * recording of 10M lines is ~2 GB, past V8's largest string). 64 KiB, not more: V8 puts a string
 * above ~128 KiB in its large-object space, which is old generation from the start, so every 1 MiB
 * chunk (and its concatenation with the previous chunk's tail) used to be garbage that only a full
 * GC frees; a 64 KiB chunk dies young, in a scavenge, with the lines sliced from it. Hand-written rather than node's
 * readline because `validate --replay`, the plugin conformance kit and the tests read synchronously;
 * the replay source keeps the event loop turning by yielding between batches instead.
 */
import * as fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { FsfaultError } from '../errors';

const CHUNK = 64 << 10;

export interface ReplayLine {
  /** 1-based line number in the file. */
  no: number;
  text: string;
}

function unreadable(file: string, e: unknown): FsfaultError {
  return new FsfaultError('REPLAY_UNREADABLE', `cannot read replay file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
}

/** The non-blank, non-comment (`#`) lines of `file`, in order. */
export function* replayFileLines(file: string): Generator<ReplayLine> {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
    if (fs.fstatSync(fd).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  } catch (e) {
    throw unreadable(file, e);
  }
  const decoder = new StringDecoder('utf8');
  const buf = Buffer.allocUnsafe(CHUNK);
  let rest = '';
  let no = 0;
  const keep = (text: string) => text.trim() !== '' && !text.trimStart().startsWith('#');
  try {
    for (;;) {
      let n: number;
      try {
        n = fs.readSync(fd, buf, 0, CHUNK, null);
      } catch (e) {
        throw unreadable(file, e);
      }
      const text = n > 0 ? rest + decoder.write(buf.subarray(0, n)) : rest + decoder.end();
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        no++;
        const line = text.slice(start, nl);
        if (keep(line)) yield { no, text: line };
        start = nl + 1;
      }
      rest = text.slice(start);
      if (n === 0) break;
    }
    if (rest !== '') {
      no++;
      if (keep(rest)) yield { no, text: rest };
    }
  } finally {
    fs.closeSync(fd);
  }
}
