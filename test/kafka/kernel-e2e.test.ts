/**
 * End to end as a user runs it, on the real kernel and a real broker (root): `fsfault watch`
 * with a config file naming Kafka and the schema registry; an ext4 error made with
 * trigger_fs_error on a loop mount is consumed from the topic and decoded through the registry
 * with the right errno, count and device.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LoopFsPool, requireKernelPrereqs, type LoopFs } from '../helpers/loopfs';
import { cliPath, repoRoot } from '../helpers/paths';
import { kafkaFixture, type KafkaFixture } from './helpers/e2e';

let pool: LoopFsPool;
let kafka: KafkaFixture;
let tmp: string;

before(async () => {
  requireKernelPrereqs(['mkfs.ext4', 'losetup', 'mount', 'umount']);
  pool = new LoopFsPool('fsfault-kafka-e2e-');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-kafka-e2e-state-'));
  kafka = await kafkaFixture();
});

after(async () => {
  await kafka?.stop();
  assert.deepEqual(pool.cleanup(), [], 'cleanup');
  fs.rmSync(tmp, { recursive: true, force: true });
});

const trigger = (lf: LoopFs, msg: string) => fs.writeFileSync(`/sys/fs/ext4/${lf.device}/trigger_fs_error`, msg);

test('ext4 trigger_fs_error → fsfault watch --config (kafka + registry) → topic, decoded with errno, count, device', async () => {
  const lf = pool.create('ext4');
  const topic = `fs-errors-e2e-${process.pid}-${Date.now()}`;
  const cfg = path.join(tmp, 'fsfault.yaml');
  fs.writeFileSync(
    cfg,
    [
      `stateDir: ${path.join(tmp, 'state')}`,
      'kafka:',
      `  brokers: ["${kafka.broker.bootstrap}"]`,
      `  topic: ${topic}`,
      '  createTopicPartitions: 3',
      '  registry:',
      `    urls: ["\${REGISTRY_URL}"]`,
      '',
    ].join('\n'),
  );
  const p = spawn(process.execPath, [cliPath, 'watch', '--config', cfg, '--json'], {
    cwd: repoRoot,
    env: { ...process.env, REGISTRY_URL: kafka.registry.url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  p.stdout.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => p.on('exit', (c) => r(c)));
  try {
    // Ready once it reports an error we cause (there is no readiness line by design). Under load
    // that can take more than ext4's 10 logged errors per 5 s, and the test's error would then
    // come without its kernel-log line: the ratelimit is lifted on this test's own filesystem.
    fs.writeFileSync(`/sys/fs/ext4/${lf.device}/err_ratelimit_interval_ms`, '0');
    const deadline = Date.now() + 20_000;
    for (let i = 0; !out.includes('"ready-'); i++) {
      if (Date.now() > deadline) throw new Error(`watch never reported; stderr: ${err}`);
      trigger(lf, `ready-${i}`);
      await new Promise((r) => setTimeout(r, 400));
    }
    trigger(lf, 'kafka-e2e');
    const until = Date.now() + 20_000;
    let got: Awaited<ReturnType<KafkaFixture['read']>> = [];
    for (;;) {
      // The connector creates the topic when it first publishes: until then the topic does not exist,
      // and just after, its partition may not have a leader yet (both: nothing to read yet).
      got = await kafka.read(topic).catch((e: unknown) => {
        if (/UNKNOWN_TOPIC_OR_PARTITION|does not host this topic-partition|not the leader for that topic-partition|LEADER_NOT_AVAILABLE|NOT_LEADER/.test(`${String(e)} ${String((e as { cause?: unknown }).cause)}`) && Date.now() < until) return [];
        throw new Error(`reading ${topic}: ${String(e)}; stderr: ${err}`, { cause: e });
      });
      if (got.some((m) => (m.record.blob as Record<string, { message?: string }> | null)?.['fsfault.plugins.ext4.Ext4Blob']?.message === 'kafka-e2e')) break;
      if (Date.now() > until) throw new Error(`the event never reached ${topic}: ${got.length} messages; stderr: ${err}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const m = got.find((x) => (x.record.blob as Record<string, { message?: string }>)['fsfault.plugins.ext4.Ext4Blob']?.message === 'kafka-e2e')!;
    const r = m.record as { kind: string; errno: number; count: number; fs: { type: string; device: string }; sources: string[] };
    assert.equal(r.kind, 'ERROR');
    assert.equal(r.errno, 117);
    assert.equal(r.count, 1);
    assert.equal(r.fs.type, 'ext4');
    assert.equal(r.fs.device, lf.device);
    assert.ok(r.sources.includes('fanotify') && r.sources.includes('kmsg'), `sources ${r.sources.join(',')}`);
    assert.ok(m.key.includes(os.hostname()), `message key names the host: ${m.key}`);
    assert.equal(new Set(got.map((x) => x.meta.storeOffset)).size, got.length, 'no store offset published twice');
  } finally {
    p.kill('SIGINT');
    const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('timeout'), 20_000))]);
    if (code === 'timeout') p.kill('SIGKILL');
    assert.equal(code, 0, `watch exit: ${code}; stderr: ${err}`);
  }
});
