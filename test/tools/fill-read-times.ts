/**
 * One-off repair of replay recordings made before every record kind carried `readAtUs` (the ext4
 * and XFS recorders stamped only kernel-log lines then). A line without a read time gets the read
 * time of the nearest line before it that has one: the recorders wrote lines in the order they were
 * read, so that is the latest time known not to be after the real read (for fanotify lines, the log
 * records of the same step, which ext4 prints before it notifies). Lines before any timed line get
 * the first time of the file. Timed lines are left byte for byte.
 *
 *   node dist/test/tools/fill-read-times.js FILE...
 */
import * as fs from 'node:fs';

export function fillReadTimes(text: string): { text: string; filled: number } {
  const lines = text.split('\n');
  const times = lines.map((l) => {
    if (!l.trim() || l.trimStart().startsWith('#')) return null;
    const t = (JSON.parse(l) as { readAtUs?: unknown }).readAtUs;
    return typeof t === 'number' ? t : null;
  });
  const first = times.find((t) => t !== null);
  if (first === undefined || first === null) throw new Error('no line has a readAtUs to derive the others from');
  let last = first;
  let filled = 0;
  const out = lines.map((l, i) => {
    if (!l.trim() || l.trimStart().startsWith('#')) return l;
    if (times[i] !== null) {
      last = times[i]!;
      return l;
    }
    filled++;
    return JSON.stringify({ ...(JSON.parse(l) as object), readAtUs: last });
  });
  return { text: out.join('\n'), filled };
}

if (require.main === module) {
  for (const f of process.argv.slice(2)) {
    const { text, filled } = fillReadTimes(fs.readFileSync(f, 'utf8'));
    fs.writeFileSync(f, text);
    console.log(`${f}: ${filled} line(s) given a read time`);
  }
}
