/**
 * `report` writes its output 1 MiB at a time (memory: no second copy of a 25 MB report). The pieces
 * must join to exactly the text, and a character outside the BMP at a piece boundary must not be
 * cut in two (each half would be written as U+FFFD).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeChunked, writeFileAtomic } from '../../core/cli/commands/report';

describe('report output in pieces', () => {
  // '😀' is a surrogate pair; placed so its high half is the last code unit of the first 1 MiB.
  const text = 'a'.repeat((1 << 20) - 1) + '😀' + 'b'.repeat(3 << 20) + 'é\n';

  it('the pieces join to the text and each is valid UTF-16', () => {
    const pieces: string[] = [];
    writeChunked((p) => pieces.push(p), text);
    assert.ok(pieces.length >= 4);
    assert.equal(pieces.join(''), text);
    for (const p of pieces) assert.equal(Buffer.from(p, 'utf8').toString('utf8'), p);
  });

  it('a file written in pieces has exactly the bytes of the text', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-report-write-'));
    try {
      const file = path.join(dir, 'r.json');
      writeFileAtomic(file, text);
      assert.ok(fs.readFileSync(file).equals(Buffer.from(text, 'utf8')));
      assert.deepEqual(fs.readdirSync(dir), ['r.json']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
