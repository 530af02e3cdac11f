/**
 * What the Kafka client library (kafkajs) writes, seen on `fsfault watch`'s stderr as an operator sees it:
 *  - with the broker down and the connector retrying, at the default log level stderr holds only
 *    fsfault's own lines (no kafkajs line: 6 of 7 lines per retry used to be kafkajs'); at
 *    `--log-level debug` kafkajs' lines appear, each through fsfault's logger (its format and level);
 *  - on Node ≥ 23 (CI runs this file on Node 24 as well as Node 20), a connector publishing to a real
 *    broker prints no TimeoutNegativeWarning (kafkajs #1751: kafkajs 2.2.4 hands setTimeout a negative
 *    delay; the adapter's RequestQueue fix removes it). A bare kafkajs producer on the same Node is the
 *    control: it does print the warning there, so this check is known to see it.
 * Real broker (test/broker); the "down" broker is a free port nothing listens on.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startBroker, KAFKA_VERSIONS, type BrokerHandle } from './helpers/broker';
import { readTopic, randomTopic } from './helpers/topic';
import { freePort } from '../helpers/free-port';
import { cliPath, fixturesDir, repoRoot } from '../helpers/paths';

const replay = path.join(fixturesDir, 'example-basic.jsonl');
const nodeMajor = Number(process.versions.node.split('.')[0]);
/** fsfault's text log line: `<ISO time> <level> fsfault: …` (core/log/logger.ts). */
const OWN_LINE = /^\d{4}-\d\d-\d\dT[\d:.]+Z (error|warn|info|debug) fsfault: /;

let tmp: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fsfault-client-output-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function writeConfig(name: string, brokers: string[], topic: string): string {
  const file = path.join(tmp, `${name}.yaml`);
  const lines = [`stateDir: ${path.join(tmp, name)}`, 'kafka:', `  brokers: ${JSON.stringify(brokers)}`, `  topic: ${topic}`, '  createTopicPartitions: 1'];
  fs.writeFileSync(file, `${[...lines, '  retry: { initialMs: 100, maxMs: 500 }', ''].join('\n')}`);
  return file;
}

/** Run `watch --replay` on this test's Node until `until` resolves (or `ms` pass), then SIGINT; its stderr. */
async function watchStderr(config: string, extra: string[], opts: { ms: number; until?: () => Promise<boolean> }): Promise<string> {
  const p = spawn(process.execPath, ['--trace-warnings', cliPath, 'watch', '--config', config, '--replay', replay, '--no-stdout', ...extra], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  p.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => p.on('exit', (c) => r(c)));
  const deadline = Date.now() + opts.ms;
  while (Date.now() < deadline && p.exitCode === null) {
    if (opts.until && (await opts.until())) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  p.kill('SIGINT');
  const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('timeout'), 20_000))]);
  if (code === 'timeout') p.kill('SIGKILL');
  assert.equal(code, 0, `watch exit ${code}; stderr:\n${err}`);
  return err;
}

const lines = (s: string) => s.split('\n').filter((l) => l.trim() !== '');

describe('kafkajs output on stderr', () => {
  it('broker down: only fsfault lines at the default level; kafkajs lines through fsfault\'s logger at debug', async () => {
    const down = [`127.0.0.1:${await freePort()}`];
    const quiet = await watchStderr(writeConfig('down-default', down, 'fs-errors-down'), [], { ms: 8_000 });
    assert.ok(lines(quiet).length > 0, 'fsfault says that the connector is retrying');
    for (const l of lines(quiet)) {
      assert.match(l, OWN_LINE, `a line that is not fsfault's own:\n${quiet}`);
      assert.doesNotMatch(l, /kafkajs/i, `a kafkajs line at the default level:\n${quiet}`);
    }
    assert.doesNotMatch(quiet, /Warning:/, quiet);

    const debug = await watchStderr(writeConfig('down-debug', down, 'fs-errors-down'), ['--log-level', 'debug'], { ms: 8_000 });
    const kafkajsLines = lines(debug).filter((l) => /kafkajs/i.test(l));
    assert.ok(kafkajsLines.length > 0, `no kafkajs line at debug:\n${debug}`);
    for (const l of kafkajsLines) assert.match(l, /^\S+ debug fsfault: (kafka:\S+: )?kafkajs /, `a kafkajs line not through fsfault's logger at debug:\n${debug}`);
  });

  describe(`on a real broker (Kafka ${KAFKA_VERSIONS[0]}), Node ${process.version}`, () => {
    let broker: BrokerHandle;
    before(async () => {
      broker = await startBroker({ version: KAFKA_VERSIONS[0]! });
    });
    after(async () => {
      await broker?.stop();
    });

    it('publishing prints no TimeoutNegativeWarning and no kafkajs line', async () => {
      const topic = randomTopic('fs-errors-node-warn');
      const published = async () => (await readTopic([broker.bootstrap], topic).catch(() => [])).length > 0;
      const err = await watchStderr(writeConfig('up', [broker.bootstrap], topic), [], { ms: 60_000, until: published });
      assert.ok(await published(), `nothing reached ${topic}; stderr:\n${err}`);
      assert.doesNotMatch(err, /TimeoutNegativeWarning/, err);
      assert.doesNotMatch(err, /kafkajs/i, err);
    });

    it('control: a bare kafkajs producer on this Node prints the warning from Node 23 on', () => {
      // No fsfault code: kafkajs as its users run it, sending one message to the same broker.
      const script = `
        const { Kafka, logLevel } = require('kafkajs');
        const k = new Kafka({ brokers: [${JSON.stringify(broker.bootstrap)}], logLevel: logLevel.NOTHING });
        const p = k.producer({ allowAutoTopicCreation: true });
        p.connect().then(() => p.send({ topic: ${JSON.stringify(randomTopic('fs-errors-control'))}, messages: [{ value: 'x' }] })).then(() => p.disconnect());`;
      const r = spawnSync(process.execPath, ['-e', script], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000, env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1' } });
      assert.equal(r.status, 0, r.stderr);
      if (nodeMajor >= 23) assert.match(r.stderr, /TimeoutNegativeWarning/, `kafkajs #1751 did not show on Node ${process.version}: the check above would not see it either`);
      else assert.doesNotMatch(r.stderr, /TimeoutNegativeWarning/, 'Node before 23 has no such warning');
    });
  });
});
