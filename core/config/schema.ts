/**
 * The configuration schema. Every key has a default, so no file is needed; a file only overrides.
 * Unknown keys are rejected so a typo is an error, not a silent default.
 */
import { defaultHost, DEFAULT_STATE_DIR } from './config-file';
import { z } from 'zod';

const ms = z.number().int().nonnegative();

/** How the connector pump retries one connector's failures (capped exponential backoff with jitter). */
export const RetryConfig = z
  .object({
    initialMs: ms.default(300),
    maxMs: ms.default(30_000),
    /** -1: forever. */
    maxRetries: z.number().int().min(-1).default(-1),
  })
  .strict();

export const QueueConfig = z
  .object({
    /** Bytes of encoded events the core queue may hold before events go to the rescue slot. */
    budgetBytes: z.number().int().min(1024).default(8 * 1024 * 1024),
    /** Upper bound on queued events per filesystem. */
    maxPerFilesystem: z.number().int().min(1).default(10_000),
    /**
     * Adaptive linger. After the queue became readable the consumer waits until no record arrived
     * for settleMs (an isolated error: stored and published within a few ms), but never longer than
     * lingerMs (a burst: its records merge). settleMs 0 = always wait the whole lingerMs.
     */
    lingerMs: ms.default(200),
    settleMs: ms.default(10),
  })
  .strict();

export const SourcesConfig = z
  .object({
    kmsg: z.boolean().default(true),
    fanotify: z.boolean().default(true),
    /** Filesystem types to watch; default: every type a registered plugin claims. */
    fsTypes: z.array(z.string().min(1)).optional(),
    /** Only these mount points (default: all mounts of the watched types). */
    mountPoints: z.array(z.string().min(1)).optional(),
    counters: z.object({ enabled: z.boolean().default(true), intervalMs: ms.default(10_000) }).strict().default({}),
    health: z.object({ enabled: z.boolean().default(true), intervalMs: ms.default(10_000) }).strict().default({}),
    /**
     * How long an event waits for its file's path (open_by_handle_at) and a probe for its ioctls
     * before going on without (a failing disk can take seconds per read).
     */
    lookupTimeoutMs: z.number().int().min(1).max(600_000).default(2000),
  })
  .strict();

export const StoreConfig = z
  .object({
    enabled: z.boolean().default(true),
    /** SQLite `synchronous`: full = fsync every commit, normal = WAL default, off = no fsync. */
    durability: z.enum(['full', 'normal', 'off']).default('full'),
    retention: z
      .object({
        maxAgeDays: z.number().positive().default(90),
        maxBytes: z.number().int().positive().default(1024 * 1024 * 1024),
        /** block: stop appending (events wait in the queue, then the rescue slot); drop-oldest: delete oldest rows even unconfirmed, recorded as a loss. */
        policy: z.enum(['block', 'drop-oldest']).default('block'),
      })
      .strict()
      .default({}),
  })
  .strict();

export const StdoutConfig = z
  .object({
    enabled: z.boolean().default(true),
    format: z.enum(['json', 'text']).default('text'),
  })
  .strict();

export const KafkaConfig = z
  .object({
    brokers: z.array(z.string().min(1)).min(1),
    topic: z.string().min(1).default('fs-errors'),
    /** Create the topic with this many partitions when it is missing (otherwise a missing topic is fatal). */
    createTopicPartitions: z.number().int().min(1).optional(),
    clientId: z.string().min(1).default('fsfault'),
    compression: z.enum(['none', 'gzip', 'lz4']).default('gzip'),
    batch: z.object({ maxEvents: z.number().int().min(1).default(500), lingerMs: ms.default(20) }).strict().default({}),
    tls: z
      .object({
        ca: z.string().optional(),
        cert: z.string().optional(),
        key: z.string().optional(),
        rejectUnauthorized: z.boolean().default(true),
      })
      .strict()
      .optional(),
    sasl: z
      .object({
        mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
        username: z.string().min(1),
        password: z.string(),
      })
      .strict()
      .optional(),
    registry: z
      .object({
        urls: z.array(z.string().url()).min(1),
        subjectStrategy: z.enum(['topic', 'record']).default('topic'),
        /** Set on the subject when fsfault creates it (registries' defaults differ: Apicurio NONE, Confluent BACKWARD). */
        compatibility: z.enum(['BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE', 'NONE']).default('BACKWARD'),
        basicAuth: z.object({ username: z.string(), password: z.string() }).strict().optional(),
        bearerToken: z.string().optional(),
      })
      .strict()
      .optional(),
    retry: RetryConfig.default({}),
    /** The agent record `watch` publishes for the fleet view (log-compacted topic, key = host). */
    agents: z
      .object({
        enabled: z.boolean().default(true),
        topic: z.string().min(1).default('fsfault-agents'),
        /** Heartbeat: republished at least this often (and at once on a change). */
        intervalMs: z.number().int().min(100).default(30_000),
      })
      .strict()
      .default({}),
  })
  .strict();

/** `fsfault fleet serve|status`: brokers, TLS, SASL and registry come from `kafka`. */
export const FleetConfig = z
  .object({
    /** Consumer group of the `fleet serve` instances over the events topic. */
    group: z.string().min(1).default('fsfault-fleet'),
    /** Log-compacted topic of folded per-filesystem state (key = partition/host/filesystem). */
    stateTopic: z.string().min(1).default('fsfault-fleet-state'),
    /** Partitions of the fleet topics when `fleet serve` creates them (state: as many as the events topic). */
    agentsTopicPartitions: z.number().int().min(1).default(1),
    replicationFactor: z.number().int().min(1).default(1),
    /** HTTP bind address of the page, API, metrics and probes. */
    listen: z.string().min(1).default('127.0.0.1:9465'),
    /** An agent without a heartbeat for this many of its intervals is silent. */
    silentAfterIntervals: z.number().int().min(1).default(3),
    /** Consumer-group session timeout: how long a dead instance holds its partitions. */
    sessionTimeoutMs: z.number().int().min(1000).default(30_000),
    /** Per-host series in /metrics (off by default: cardinality grows with the fleet). */
    perHostMetrics: z.boolean().default(false),
    /**
     * Compression of the fleet-state writes (the events' is kafka.compression). LZ4 by default:
     * per state record it costs the instance and the broker less CPU than gzip for 1.7x the bytes
     * (fleet/README.md "Throughput").
     */
    stateCompression: z.enum(['none', 'gzip', 'lz4']).default('lz4'),
  })
  .strict();

export const AvroFilesConfig = z
  .object({
    dir: z.string().min(1),
    codec: z.enum(['null', 'deflate', 'snappy']).default('deflate'),
    rotate: z.object({ maxBytes: z.number().int().min(1024).default(64 * 1024 * 1024), maxAgeSec: z.number().int().min(1).default(3600) }).strict().default({}),
    blockEvents: z.number().int().min(1).default(1000),
    retry: RetryConfig.default({}),
  })
  .strict();

export const Config = z
  .object({
    host: z.string().min(1).default(defaultHost()),
    /** Extra plugin modules (paths or package names), each exporting `plugin` or a default FsPlugin. */
    plugins: z.array(z.string().min(1)).default([]),
    stateDir: z.string().min(1).default(DEFAULT_STATE_DIR),
    queue: QueueConfig.default({}),
    sources: SourcesConfig.default({}),
    store: StoreConfig.default({}),
    stdout: StdoutConfig.default({}),
    kafka: KafkaConfig.optional(),
    avroFiles: AvroFilesConfig.optional(),
    /**
     * A connector stopped with a non-retriable error (REGISTRY_INCOMPATIBLE, authorization ...):
     * `continue` (default) keeps recording into the store and printing, /readyz says why, and the
     * process exits 1 when it is stopped; `exit` stops the agent at once with exit status 1, for
     * supervisors that prefer restarts.
     */
    onConnectorFatal: z.enum(['continue', 'exit']).default('continue'),
    /** Serve /metrics, /healthz and /readyz on HOST:PORT (e.g. 127.0.0.1:9464). */
    metrics: z.object({ listen: z.string().min(1) }).strict().optional(),
    /** fsfault's own diagnostics on stderr (the journal under systemd). */
    log: z
      .object({
        level: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
        format: z.enum(['text', 'json']).default('text'),
        /** A one-line status at info level every this many seconds while watching (0: never). */
        statusIntervalSec: z.number().int().min(0).default(600),
      })
      .strict()
      .default({}),
    fleet: FleetConfig.default({}),
  })
  .strict();

export type Config = z.infer<typeof Config>;
export type KafkaConfig = z.infer<typeof KafkaConfig>;
export type FleetConfig = z.infer<typeof FleetConfig>;
export type AvroFilesConfig = z.infer<typeof AvroFilesConfig>;
export type StoreConfig = z.infer<typeof StoreConfig>;
