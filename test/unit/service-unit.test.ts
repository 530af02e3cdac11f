/**
 * packaging/systemd/fsfault.service is a valid unit (systemd-analyze verify) whose exposure score
 * (systemd-analyze security --offline=yes) stays "OK" or better; the README states that score.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { cliPath, repoRoot } from '../helpers/paths';

const UNIT = path.join(repoRoot, 'packaging', 'systemd', 'fsfault.service');

describe('systemd unit', () => {
  it('verifies, and its exposure score is OK or better and the one the README states', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-unit-'));
    try {
      // verify checks that ExecStart exists: point it at this clone's CLI (the package has /usr/bin/fsfault).
      const unit = path.join(dir, 'fsfault.service');
      fs.writeFileSync(unit, fs.readFileSync(UNIT, 'utf8').replace(/^ExecStart=\/usr\/bin\/fsfault /m, `ExecStart=${cliPath} `));
      const verify = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(verify.status, 0, `systemd-analyze verify: ${verify.stdout}${verify.stderr}`);
      assert.equal(verify.stderr.trim(), '', verify.stderr);
      const sec = spawnSync('systemd-analyze', ['security', '--offline=yes', unit], { encoding: 'utf8', timeout: 60_000 });
      const m = /Overall exposure level for fsfault\.service: (\d+\.\d) (\w+)/.exec(sec.stdout);
      assert.ok(m, `no exposure level in: ${sec.stdout}${sec.stderr}`);
      assert.ok(['OK', 'SAFE', 'PERFECT'].includes(m[2]!), `exposure ${m[1]} ${m[2]}`);
      const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
      assert.ok(readme.includes(`exposure level ${m[1]} ${m[2]}`), `README states "exposure level ${m[1]} ${m[2]}"`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('MemoryHigh and MemoryMax keep the stated margins over the highest peak RSS the README reports', () => {
    const unit = fs.readFileSync(UNIT, 'utf8');
    const mib = (key: string) => Number(new RegExp(`^${key}=(\\d+)M$`, 'm').exec(unit)?.[1]);
    const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Memory'), readme.indexOf('### Configuration', readme.indexOf('### Memory')));
    const rows = section.split('\n').filter((l) => /^\| \d+\.\d+ \|/.test(l));
    assert.ok(rows.length >= 2, 'the README table of measured peaks (one row per Node major CI runs)');
    const peaks = rows.flatMap((r) => [...r.matchAll(/(\d+) MiB/g)].map((m) => Number(m[1])));
    const worst = Math.max(...peaks);
    assert.ok(mib('MemoryHigh') >= 1.25 * worst, `MemoryHigh=${mib('MemoryHigh')}M under 1.25 x ${worst} MiB`);
    assert.ok(mib('MemoryMax') >= 1.5 * worst, `MemoryMax=${mib('MemoryMax')}M under 1.5 x ${worst} MiB`);
    assert.match(section, new RegExp(`MemoryHigh=${mib('MemoryHigh')}M`));
    assert.match(section, new RegExp(`MemoryMax=${mib('MemoryMax')}M`));
  });
});
