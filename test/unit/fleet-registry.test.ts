/**
 * The fleet's registry lookups while the registry does not answer, against an UNRESPONSIVE
 * REGISTRY DOUBLE (a test double, named as such: an HTTP server that accepts every request and
 * never answers — a hang a real Apicurio cannot be made to produce on demand; test/kafka's
 * store-first tests SIGSTOP a real one for the connector's outage path):
 *   - concurrent lookups of one schema id share ONE request (single-flight), and all fail once the
 *     registry client's timeout passes, with REGISTRY_UNREACHABLE (so the member fails its batch and
 *     commits nothing);
 *   - for a while after that failure, lookups of the id fail at once instead of each waiting for
 *     its own timeout; then the registry is asked again;
 *   - the fleet view's batch of agent records costs ONE timeout, not one per record, and is
 *     reported as one warning with the count.
 * Before this, TopicView decoded agent records one by one, each waiting 5 s for the registry.
 */
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { RegistryClient } from '../../connectors/kafka/registry-client';
import { frameConfluent } from '../../connectors/kafka/confluent-wire';
import type { ConsumedBatch, GroupConsumerOptions, KafkaTransport } from '../../connectors/kafka/kafkajs-adapter';
import { AvroValues } from '../../fleet/avro-values';
import { TopicView } from '../../fleet/topic-view';
import { isFsfaultError } from '../../core/errors';

const TIMEOUT_MS = 400;
const RETRY_AFTER_MS = 1500;

/** Unresponsive registry double: counts requests, answers none (sockets closed at the end). */
async function unresponsiveRegistry() {
  const requests: string[] = [];
  const held: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    held.push(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: async () => {
      for (const r of held) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

describe('fleet registry lookups while the registry does not answer (unresponsive registry double)', () => {
  let registry: Awaited<ReturnType<typeof unresponsiveRegistry>>;
  before(async () => (registry = await unresponsiveRegistry()));
  after(async () => registry.close());

  it('concurrent lookups of one id share one request; a failure answers at once for a while, then the registry is asked again', async () => {
    registry.requests.length = 0;
    const values = new AvroValues(new RegistryClient({ urls: [registry.url], timeoutMs: TIMEOUT_MS }), [], RETRY_AFTER_MS);
    const msg = frameConfluent(41, Buffer.from([0]));
    const t0 = process.hrtime.bigint();
    const all = await Promise.allSettled(Array.from({ length: 50 }, () => values.writer(msg)));
    const first = ms(t0);
    assert.equal(registry.requests.length, 1, `requests: ${registry.requests.join(', ')}`);
    assert.deepEqual(registry.requests, ['GET /schemas/ids/41']);
    for (const r of all) {
      assert.equal(r.status, 'rejected');
      const e = (r as PromiseRejectedResult).reason as Error;
      assert.ok(isFsfaultError(e) && e.code === 'REGISTRY_UNREACHABLE' && e.retriable, String(e));
    }
    assert.ok(first < TIMEOUT_MS * 5, `50 concurrent lookups took ${first} ms: one timeout, not 50`);

    // Sequential lookups right after the failure: answered at once, no new request.
    const t1 = process.hrtime.bigint();
    for (let i = 0; i < 100; i++) await assert.rejects(values.writer(msg), (e: Error) => isFsfaultError(e) && e.code === 'REGISTRY_UNREACHABLE');
    assert.ok(ms(t1) < TIMEOUT_MS, `100 lookups after the failure took ${ms(t1)} ms`);
    assert.equal(registry.requests.length, 1);
    assert.equal(values.registryRequests, 1);

    // Another id is not blocked by the first one's failure.
    await assert.rejects(values.writer(frameConfluent(42, Buffer.from([0]))));
    assert.equal(registry.requests.length, 2);

    // After the retry interval the registry is asked again (bounded, not given up).
    await new Promise((r) => setTimeout(r, RETRY_AFTER_MS + 50));
    await assert.rejects(values.writer(msg));
    assert.deepEqual(registry.requests.slice(2), ['GET /schemas/ids/41']);
  });

  it('the fleet view decodes a batch of agent records in one timeout, not one per record, and reports it once', async () => {
    registry.requests.length = 0;
    const values = new AvroValues(new RegistryClient({ urls: [registry.url], timeoutMs: TIMEOUT_MS }), [], RETRY_AFTER_MS);
    let opts!: GroupConsumerOptions;
    // Transport double: hands the view's consumer options to the test, which delivers a batch.
    const transport = {
      groupConsumer: async (o: GroupConsumerOptions) => {
        opts = o;
        return { commit: async () => undefined, committed: async () => new Map(), stop: async () => undefined };
      },
    } as unknown as KafkaTransport;
    const warnings: string[] = [];
    const view = new TopicView(transport, { state: 'fleet-state', agents: 'fleet-agents' }, values, (m) => warnings.push(m));
    await view.start();
    const AGENTS = 200;
    const batch: ConsumedBatch = {
      topic: 'fleet-agents',
      partition: 0,
      highWatermark: BigInt(AGENTS),
      messages: Array.from({ length: AGENTS }, (_, i) => ({
        partition: 0,
        offset: String(i),
        key: Buffer.from(`host-${i}`),
        value: frameConfluent(77, Buffer.from([0, 1, 2])),
        headers: {},
        timestamp: '0',
      })),
    };
    const t0 = process.hrtime.bigint();
    await opts.onBatch(batch, async () => undefined);
    const took = ms(t0);
    // Before: 200 × the client timeout, one after the other.
    assert.ok(took < TIMEOUT_MS * 5, `the batch took ${took} ms`);
    assert.equal(registry.requests.length, 1);
    assert.equal(view.decodeFailures, AGENTS);
    assert.equal(view.agents.size, 0);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0]!, /^agents topic partition 0: 200 record\(s\) not decoded, skipped until their agents publish again; first: 'host-0': .*REGISTRY|no schema registry URL answered/);
    await view.stop();
  });
});
