/**
 * Lifecycle edges that only show in a separate process: a throwing onBatch must surface as an
 * uncaught exception (Node would otherwise only warn), and exiting or terminating a worker with a
 * running watcher must neither crash nor leak fds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { repoRoot } from '../helpers/paths';

const index = path.join(repoRoot, 'dist', 'native', 'index.js');

function runNode(
  script: string,
  flags: string[] = [],
): { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...flags, '-e', script], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

test('an exception thrown by onBatch reaches process uncaughtException', () => {
  if (process.getuid?.() !== 0) throw new Error('needs root for /dev/kmsg (dmesg_restrict)');
  const r = runNode(`
    const n = require(${JSON.stringify(index)});
    process.on('uncaughtException', (e) => { console.log('uncaught:' + e.message); process.exit(7); });
    n.createWatcher({ kmsg: { start: 'oldest' } }, () => { throw new Error('boom'); });
    setTimeout(() => process.exit(3), 10000);
  `);
  assert.equal(r.status, 7, `stdout: ${r.stdout} stderr: ${r.stderr}`);
  assert.match(r.stdout, /uncaught:boom/);
});

// Terminating a worker while it is inside the Watcher constructor once aborted the whole process on
// Node 24 (napi_wrap refused without a pending exception, then Ref() on an env-less reference:
// "FATAL ERROR: Error::New napi_get_last_error_info"). The window is narrow, so the test makes many
// attempts: 5 rounds of 20 workers, each terminated at a different point of its start-up (before
// the fix about one run in four aborted).
test('process.exit and worker termination with running watchers: clean exit, no fd left behind', () => {
  const r = runNode(`
    const { Worker } = require('node:worker_threads');
    const fs = require('node:fs');
    const ours = () => fs.readdirSync('/proc/self/fd').filter((f) => {
      try { return /fanotify|kmsg|mountinfo/.test(fs.readlinkSync('/proc/self/fd/' + f)); } catch { return false; }
    }).length;
    const src = 'require(' + JSON.stringify(${JSON.stringify(index)}) + ').createWatcher({ kmsg: { start: "oldest" }, fanotify: true, onMountsChanged() {} }, () => {});';
    const workers = 20;
    const rounds = 5;
    function round(r) {
      let done = 0;
      for (let i = 0; i < workers; i++) {
        const w = new Worker(src, { eval: true });
        w.on('online', () => setTimeout(() => w.terminate(), 5 + ((i + 3 * r) % 7) * 7 + r));
        w.on('exit', () => {
          if (++done < workers) return;
          if (r + 1 < rounds) return round(r + 1);
          console.log('left:' + ours());
          require(${JSON.stringify(index)}).createWatcher({ kmsg: { start: 'oldest' }, fanotify: true }, () => {});
          setTimeout(() => process.exit(0), 50);
        });
      }
    }
    round(0);
  `);
  assert.equal(r.status, 0, `signal: ${r.signal} stderr: ${r.stderr}`);
  assert.match(r.stdout, /left:0/);
});

test('a stopped watcher is garbage-collected even when its callbacks reach it', () => {
  const r = runNode(
    `
    const n = require(${JSON.stringify(index)});
    let collected = 0;
    const reg = new FinalizationRegistry(() => collected++);
    (async () => {
      for (let i = 0; i < 200; i++) {
        let w;
        w = n.createWatcher({ kmsg: { start: 'oldest' }, fanotify: true, onMountsChanged: () => w }, () => w);
        reg.register(w, i);
        await w.stop();
      }
      for (let i = 0; i < 5; i++) { global.gc(); await new Promise((r) => setTimeout(r, 20)); }
      console.log('collected:' + collected);
    })();
  `,
    ['--expose-gc'],
  );
  assert.equal(r.status, 0, `stderr: ${r.stderr}`);
  assert.match(r.stdout, /collected:200/);
});

test('no thread for the reader (a pids cgroup at its limit): a typed NATIVE_SYSCALL error, the process lives on', () => {
  // cgroup v1 pids controller (this kernel's layout); a missing controller fails the test loudly.
  const root = '/sys/fs/cgroup/pids';
  const r = runNode(`
    const fs = require('node:fs');
    const n = require(${JSON.stringify(index)});
    const cg = ${JSON.stringify(root)} + '/fsfault-test-' + process.pid;
    fs.mkdirSync(cg);
    let out = '';
    try {
      fs.writeFileSync(cg + '/cgroup.procs', String(process.pid));
      // Every thread the process has now, and not one more.
      fs.writeFileSync(cg + '/pids.max', fs.readFileSync(cg + '/pids.current', 'utf8').trim());
      try {
        n.createWatcher({ onMountsChanged() {} }, () => {});
        out += 'created;';
      } catch (e) {
        out += 'error:' + e.code + ':' + e.details.errno + ':' + e.details.syscall + ';';
      }
      fs.writeFileSync(cg + '/pids.max', 'max');
      // With threads available again a watcher starts and stops as usual.
      const w = n.createWatcher({ onMountsChanged() {} }, () => {});
      w.stop().then(() => { console.log(out + 'second:ok'); });
    } finally {
      process.on('exit', () => {
        fs.writeFileSync(${JSON.stringify(root)} + '/cgroup.procs', String(process.pid));
        fs.rmdirSync(cg);
      });
    }
  `);
  assert.equal(r.status, 0, `stdout: ${r.stdout} stderr: ${r.stderr}`);
  assert.match(r.stdout, /error:NATIVE_SYSCALL:EAGAIN:pthread_create;second:ok/);
});
