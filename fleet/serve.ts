/**
 * `fsfault fleet serve` and `fsfault fleet status`, composed from the config: the Kafka settings
 * (brokers, TLS, SASL, registry, events topic) are the `kafka` keys the connector uses; the
 * fleet's own are under `fleet`.
 */
import type { Config, KafkaConfig } from '../core/config/schema';
import { FsfaultError } from '../core/errors';
import { EventCodec } from '../core/schema/codec';
import type { ComposedSchema } from '../core/schema/compose';
import { agentSchema } from '../core/schema/agent-schema';
import { KafkaTransport, loadLz4 } from '../connectors/kafka/kafkajs-adapter';
import { RegistryClient } from '../connectors/kafka/registry-client';
import { AvroValues } from './avro-values';
import { TopicView } from './topic-view';
import { FleetMember } from './group-member';
import { fleetAgents, fleetFilesystems } from './merge';
import { startFleetHttp } from './http';
import { ensureCompactedTopic, retrying } from './topics';

export interface FleetServer {
  url: string;
  /** Rejects when the instance can no longer fold (its consumer stopped for good). */
  failed: Promise<never>;
  view: TopicView;
  member: FleetMember;
  ready(): boolean;
  stop(): Promise<void>;
}

export function fleetTransport(k: KafkaConfig, warn: ((m: string) => void) | undefined, suffix: string): KafkaTransport {
  return new KafkaTransport({ brokers: k.brokers, clientId: `${k.clientId}-${suffix}`, compression: k.compression, tls: k.tls, sasl: k.sasl, warn });
}

function needKafka(config: Config): KafkaConfig {
  if (!config.kafka) throw new FsfaultError('CLI_BAD_ARGUMENT', 'the fleet needs Kafka: --kafka BROKERS or kafka.brokers in the config');
  return config.kafka;
}

function values(k: KafkaConfig, schema: ComposedSchema): AvroValues {
  const registry = k.registry ? new RegistryClient({ urls: k.registry.urls, basicAuth: k.registry.basicAuth, bearerToken: k.registry.bearerToken }) : null;
  const a = agentSchema();
  return new AvroValues(registry, [schema, { fingerprint: a.fingerprint, type: a.type }]);
}

async function unavailable<T>(what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof FsfaultError) throw e;
    throw new FsfaultError('FLEET_UNAVAILABLE', `${what}: ${(e as Error).message}`, { cause: e });
  }
}

export async function startFleetServe(config: Config, schema: ComposedSchema, warn: (m: string) => void, refreshMs = 5000): Promise<FleetServer> {
  const k = needKafka(config);
  const f = config.fleet;
  if (f.stateCompression === 'lz4') loadLz4(); // a missing codec is a config error at start, not a failed write
  const transport = fleetTransport(k, warn, 'fleet');
  const vals = values(k, schema);
  const view = new TopicView(transport, { state: f.stateTopic, agents: k.agents.topic }, vals, warn);
  const member = new FleetMember(transport, { group: f.group, eventsTopic: k.topic, stateTopic: f.stateTopic, sessionTimeoutMs: f.sessionTimeoutMs, stateCompression: f.stateCompression }, vals, new EventCodec(schema), view, warn);
  let viewReady = false;
  await unavailable('preparing the fleet topics', () => retrying('the fleet topics', 60_000, async () => {
    let events = await transport.partitionCount(k.topic);
    if (events === undefined && k.createTopicPartitions) {
      await transport.createTopic(k.topic, k.createTopicPartitions).catch(() => undefined);
      events = await transport.partitionCount(k.topic);
    }
    if (events === undefined) throw new FsfaultError('FLEET_UNAVAILABLE', `events topic '${k.topic}' does not exist (agents create it with kafka.createTopicPartitions, or create it yourself)`);
    await ensureCompactedTopic(transport, f.stateTopic, events, f.replicationFactor);
    await ensureCompactedTopic(transport, k.agents.topic, f.agentsTopicPartitions, f.replicationFactor);
  }));
  // Both join a consumer group (the view a private one), and a broker holds a new group's first
  // join for group.initial.rebalance.delay.ms (3 s by default): joined one after the other, that
  // was 6 of the 6.4 s start-up. The member restores only after the view caught up (onJoin).
  const started = await Promise.allSettled([
    unavailable('reading the fleet topics', () => retrying('the fleet topics', 60_000, () => view.start())),
    unavailable('joining the fleet group', () => retrying('the fleet group', 60_000, () => member.start())),
  ]);
  const failedStart = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failedStart) {
    await Promise.allSettled([member.stop(), view.stop()]);
    await transport.close();
    throw failedStart.reason;
  }
  const ready = () => viewReady && member.ready;
  void view.caughtUp().then(
    () => (viewReady = true),
    (e: Error) => warn(`reading the fleet topics: ${e.message}`),
  );
  const now = () => Date.now() * 1000;
  // Merging 10^5 records takes ~100 ms: done again only when the view changed since the last
  // request (the page refreshes every few seconds per viewer, Prometheus scrapes /metrics).
  let merged: { version: number; rows: ReturnType<typeof fleetFilesystems> } | null = null;
  const filesystems = () => {
    if (merged?.version !== view.version) merged = { version: view.version, rows: fleetFilesystems(view.states.values(), view.agents.values()) };
    return merged.rows;
  };
  let http;
  try {
    http = await startFleetHttp(f.listen, {
      filesystems,
      agents: () => fleetAgents(view.agents.values(), now(), f.silentAfterIntervals),
      member: async () => {
        await member.refreshLag().catch(() => undefined);
        return { ...member.stats(), agentsUndecodable: view.decodeFailures };
      },
      ready,
      perHostMetrics: f.perHostMetrics,
      refreshMs,
    });
  } catch (e) {
    await member.stop();
    await view.stop();
    throw e;
  }
  return {
    url: http.url,
    failed: member.failed,
    view,
    member,
    ready,
    stop: async () => {
      // Bounded (each part gives up after its own deadline): a stop must not hang on kafkajs
      // leaving a group while the broker rebalances. The member first finishes the state write
      // and commit in flight, so a commit still only follows the state it reflects.
      await Promise.all([http.close(), member.stop(), view.stop()]);
      await transport.close();
    },
  };
}

/** `fleet status`: read both fleet topics to their end, once, with no service running. */
export async function readFleet(config: Config, schema: ComposedSchema, warn: (m: string) => void, timeoutMs = 60_000) {
  const k = needKafka(config);
  const f = config.fleet;
  // kafkajs' own connection chatter stays quiet: a failure is the one FLEET_UNAVAILABLE line.
  const transport = fleetTransport(k, undefined, 'fleet-status');
  const view = new TopicView(transport, { state: f.stateTopic, agents: k.agents.topic }, values(k, schema), warn);
  try {
    await unavailable('reading the fleet topics', async () => {
      for (const t of [f.stateTopic, k.agents.topic]) {
        if ((await transport.partitionCount(t)) === undefined) throw new FsfaultError('FLEET_UNAVAILABLE', `topic '${t}' does not exist (is fleet serve running?)`);
      }
      await view.start();
      await view.caughtUp(timeoutMs);
    });
    return {
      filesystems: fleetFilesystems(view.states.values(), view.agents.values()),
      agents: fleetAgents(view.agents.values(), Date.now() * 1000, f.silentAfterIntervals),
    };
  } finally {
    await view.stop();
    await transport.close();
  }
}
