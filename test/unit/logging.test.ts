import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { createLogger } from '../../core/log/logger';
import { cliPath, fixturesDir, repoRoot } from '../helpers/paths';
import { runCli } from '../helpers/cli';

const fixture = path.join(fixturesDir, 'ext4-abort.jsonl');

function capture() {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  return { out, text: () => text };
}

describe('leveled logs', () => {
  it('filters by level; text lines carry an ISO time and the level, json lines are objects', () => {
    const c = capture();
    const now = () => new Date('2026-12-04T21:00:00.000Z');
    const log = createLogger({ level: 'warn', format: 'text', out: c.out, journald: false, now });
    log.debug('d');
    log.info('i');
    log.warn('w\nsecond line');
    log.error('e');
    assert.equal(c.text(), '2026-12-04T21:00:00.000Z warn fsfault: w\\nsecond line\n2026-12-04T21:00:00.000Z error fsfault: e\n');
    const j = capture();
    createLogger({ level: 'debug', format: 'json', out: j.out, journald: false, now }).debug('x');
    assert.deepEqual(JSON.parse(j.text()), { time: '2026-12-04T21:00:00.000Z', level: 'debug', msg: 'x' });
  });

  it('under journald every line starts with its syslog priority and has no timestamp of its own', () => {
    const c = capture();
    const log = createLogger({ level: 'debug', format: 'text', out: c.out, journald: true });
    log.error('e');
    log.warn('w');
    log.info('i');
    log.debug('d');
    assert.equal(c.text(), '<3>fsfault: e\n<4>fsfault: w\n<6>fsfault: i\n<7>fsfault: d\n');
  });

  it('watch --once ends with a one-line summary at info; --log-level warn silences it; --log-format json', () => {
    const r = runCli(['watch', '--replay', fixture, '--once', '--no-store', '--no-stdout']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^\d{4}-\d\d-\d\dT[\d:.]+Z info fsfault: summary: \d+ records read; \d+ errors classified; \d+ events stored \(head offset \d+\); 0 lost; filesystems 1 \(degraded 0, dead 1\)\n$/);
    const quiet = runCli(['watch', '--replay', fixture, '--once', '--no-store', '--no-stdout', '--log-level', 'warn']);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(quiet.stderr, '');
    const json = runCli(['watch', '--replay', fixture, '--once', '--no-store', '--no-stdout', '--log-format', 'json']);
    const line = JSON.parse(json.stderr) as { level: string; msg: string };
    assert.equal(line.level, 'info');
    assert.match(line.msg, /^summary: /);
    const bad = runCli(['watch', '--replay', fixture, '--once', '--log-level', 'loud']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^fsfault: error \[CLI_BAD_ARGUMENT\]: option --log-level must be one of error, warn, info, debug \(got 'loud'\)\n$/);
  });

  it('config log.level applies, and with JOURNAL_STREAM naming stderr the lines carry priorities', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-log-'));
    try {
      const cfg = path.join(dir, 'c.yaml');
      fs.writeFileSync(cfg, 'log:\n  level: debug\n');
      const errFile = path.join(dir, 'stderr');
      const fd = fs.openSync(errFile, 'w');
      const st = fs.fstatSync(fd);
      const r = spawnSync(process.execPath, [cliPath, 'watch', '--config', cfg, '--replay', fixture, '--once', '--no-store', '--no-stdout'], {
        cwd: repoRoot,
        env: { ...process.env, JOURNAL_STREAM: `${st.dev}:${st.ino}` },
        stdio: ['ignore', 'ignore', fd],
        timeout: 60_000,
      });
      fs.closeSync(fd);
      const err = fs.readFileSync(errFile, 'utf8');
      assert.equal(r.status, 0, err);
      assert.match(err, /^<6>fsfault: summary: /m);
      for (const l of err.trim().split('\n')) assert.match(l, /^<[3-7]>fsfault: /, l);
      // the fatal line too
      const fd2 = fs.openSync(errFile, 'w');
      const st2 = fs.fstatSync(fd2);
      spawnSync(process.execPath, [cliPath, 'watch', '--replay', path.join(dir, 'nope.jsonl'), '--once'], {
        env: { ...process.env, JOURNAL_STREAM: `${st2.dev}:${st2.ino}` },
        stdio: ['ignore', 'ignore', fd2],
        timeout: 60_000,
      });
      fs.closeSync(fd2);
      assert.match(fs.readFileSync(errFile, 'utf8'), /^<3>fsfault: error \[REPLAY_UNREADABLE\]/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
