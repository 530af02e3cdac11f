/**
 * A /dev/kmsg tap for recording XFS fixtures: remembers where the log was, then hands back the raw
 * records written since that concern one device, exactly as read() returned them.
 *
 * Node cannot lseek(SEEK_END) on /dev/kmsg, so every take() reads the ring from its oldest record
 * and keeps those past the remembered seq. A gap right after the mark means the ring wrapped while
 * the recipe ran: that would silently cut the fixture, so it throws instead.
 */
import * as fs from 'node:fs';

const HEXDUMP = /^[0-9a-f]{8}: (?:[0-9a-f]{2} ){1,16} /;

interface Rec {
  seq: number;
  raw: string;
  text: string;
}

function unescape(s: string): string {
  return s.replace(/\\x([0-9a-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

function readRing(): Rec[] {
  const fd = fs.openSync('/dev/kmsg', fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const buf = Buffer.alloc(8192);
  const out: Rec[] = [];
  try {
    for (;;) {
      let n: number;
      try {
        n = fs.readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') break;
        if (code === 'EPIPE') continue; // old records overwritten under us; the seq check below decides
        throw e;
      }
      const raw = buf.toString('latin1', 0, n);
      const semi = raw.indexOf(';');
      const seq = Number(raw.slice(0, semi).split(',')[1]);
      const body = raw.slice(semi + 1);
      const nl = body.indexOf('\n');
      out.push({ seq, raw, text: unescape(nl < 0 ? body : body.slice(0, nl)) });
    }
  } finally {
    fs.closeSync(fd);
  }
  return out;
}

function concerns(text: string, device: string): boolean {
  return (
    text.startsWith(`XFS (${device}): `) ||
    /^XFS: .*callbacks suppressed$/.test(text) ||
    /^bio_check_eod: \d+ callbacks suppressed$/.test(text) ||
    text.includes(`attempt to access beyond end of device\n${device}: `) ||
    text.includes(`, dev ${device}, sector `) ||
    text.includes(`Buffer I/O error on dev ${device},`)
  );
}

export class KmsgTap {
  private lastSeq: number;

  /** `concerns` decides which records are the device's (default: XFS and block-layer lines). */
  constructor(
    private readonly device: string,
    private readonly concernsFn: (text: string, device: string) => boolean = concerns,
  ) {
    const ring = readRing();
    this.lastSeq = ring.length ? ring[ring.length - 1]!.seq : -1;
  }

  /** Replay `kmsg` lines for the records since the last take() (or construction). */
  take(): string[] {
    const fresh = readRing().filter((r) => r.seq > this.lastSeq);
    if (fresh.length && fresh[0]!.seq !== this.lastSeq + 1) {
      throw new Error(`/dev/kmsg ring wrapped during the recipe: records ${this.lastSeq + 1}..${fresh[0]!.seq - 1} lost; make the recipe smaller`);
    }
    const readAtUs = Date.now() * 1000;
    const lines: string[] = [];
    let prevKept = -2;
    for (const r of fresh) {
      // hex-dump lines carry no device: keep them only when they directly follow a kept record
      const keep = this.concernsFn(r.text, this.device) || (HEXDUMP.test(r.text) && r.seq === prevKept + 1);
      if (!keep) continue;
      prevKept = r.seq;
      lines.push(JSON.stringify({ source: 'kmsg', record: r.raw, readAtUs }));
    }
    if (fresh.length) this.lastSeq = fresh[fresh.length - 1]!.seq;
    return lines;
  }
}
