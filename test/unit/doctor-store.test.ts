/**
 * `fsfault doctor` reads the local store read-only for what earlier runs recorded: the kernel-log
 * records user processes wrote to /dev/kmsg (facility != 0) and the live source rejected (source
 * cursor kmsg.rejected, README "Watching the live kernel"). It never takes the writer's lock, so it
 * works beside a running watch, and a missing store is a warning, not a failure.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli';
import { storeChecks } from '../../core/cli/commands/doctor';
import { validateConfig } from '../../core/config/load';
import { KMSG_REJECTED_CURSOR } from '../../core/pipeline/pipeline-stats';
import { SqliteStore } from '../../core/store/sqlite-store';
import { makeEvent, tempStateDirs, testCodec } from './store-test-events';

const dir = tempStateDirs();

describe('doctor reads the store', { timeout: 60_000 }, () => {
  it('shows the rejected kernel-log record count while a writer holds the store', () => {
    const stateDir = dir();
    // The writer keeps the store open (and its lock) for the whole test, as a running watch would.
    const writer = SqliteStore.open({ stateDir, host: 'h', codec: testCodec() });
    try {
      writer.append([makeEvent()], { [KMSG_REJECTED_CURSOR]: '7' });
      const checks = storeChecks(validateConfig({ host: 'h', stateDir }));
      const rejected = checks.find((c) => c.name === 'kmsg rejected');
      assert.equal(rejected?.status, 'warn');
      assert.match(rejected!.detail, /^7 records written to \/dev\/kmsg by user processes \(facility != 0\) were rejected/);
      assert.match(checks.find((c) => c.name === 'store')!.detail, /1 events, head offset 1 \(read-only\)/);

      // The CLI: text and JSON, whatever the machine's own checks say (exit 0 or 1, never 2).
      const text = runCli(['doctor', '--state-dir', stateDir, '--host', 'h']);
      assert.ok(text.code === 0 || text.code === 1, text.stderr);
      assert.match(text.stdout, /^warn {2}kmsg rejected: 7 records written to \/dev\/kmsg by user processes/m);
      const json = runCli(['doctor', '--json', '--state-dir', stateDir, '--host', 'h']);
      const report = JSON.parse(json.stdout) as { checks: { name: string; status: string; detail: string }[] };
      assert.equal(report.checks.find((c) => c.name === 'kmsg rejected')?.status, 'warn');

      // The writer still works: nobody took its lock.
      writer.append([makeEvent()], { [KMSG_REJECTED_CURSOR]: '9' });
      assert.match(storeChecks(validateConfig({ host: 'h', stateDir })).find((c) => c.name === 'kmsg rejected')!.detail, /^9 records/);
    } finally {
      writer.close();
    }
  });

  it('no rejected record: an ok line; no store yet: a warning naming why; store disabled: says so', () => {
    const stateDir = dir();
    const w = SqliteStore.open({ stateDir, host: 'h', codec: testCodec() });
    w.append([makeEvent()]);
    w.close();
    const ok = storeChecks(validateConfig({ host: 'h', stateDir })).find((c) => c.name === 'kmsg rejected')!;
    assert.equal(ok.status, 'ok');
    assert.match(ok.detail, /no record written to \/dev\/kmsg by a user process was rejected/);

    const missing = storeChecks(validateConfig({ host: 'h', stateDir: `${stateDir}/nope` }));
    assert.deepEqual(missing.map((c) => [c.name, c.status]), [['store', 'warn']]);
    assert.match(missing[0]!.detail, /not readable \(\[STORE_OPEN_FAILED\] .*nope/);

    const off = storeChecks(validateConfig({ host: 'h', stateDir, store: { enabled: false } }));
    assert.deepEqual(off.map((c) => [c.name, c.status]), [['store', 'ok']]);
    assert.match(off[0]!.detail, /store\.enabled is off/);
  });
});
