/**
 * The agent record: what one `fsfault watch` tells the fleet about itself. Published by the agents
 * publisher (connectors/kafka-agents) to a log-compacted topic (key = host) and read by `fleet
 * serve` / `fleet status`. Avro like the events, framed the same way (Confluent with a registry,
 * else single-object encoding). Strings rather than enums for state and mode, so a new state is a
 * compatible change for old readers. Times are µs since the epoch, like the events.
 */
import { parseAvroSchema, rabinFingerprint, type AvroType } from '../edges/avro';
import type { HealthState } from '../projections/fs-health';

export const AGENT_RECORD_NAME = 'fsfault.fleet.Agent';

const optString = (name: string, doc: string) => ({ name, type: ['null', 'string'], default: null, doc });
const micros = { type: 'long', logicalType: 'timestamp-micros' };

export const AGENT_SCHEMA = {
  type: 'record',
  name: 'Agent',
  namespace: 'fsfault.fleet',
  doc: 'One fsfault agent (watch) and the filesystems it watches; the latest record per host is its current state.',
  fields: [
    { name: 'host', type: 'string', doc: 'host name, as in its events (the message key)' },
    { name: 'version', type: 'string', doc: 'fsfault version' },
    { name: 'kernel', type: 'string', doc: 'kernel release (uname -r)' },
    optString('storeId', 'permanent identity of the local store, when the store has one'),
    { name: 'startTime', type: micros, doc: 'when this watch started' },
    { name: 'heartbeatTime', type: micros, doc: 'when this record was published' },
    { name: 'intervalMs', type: 'int', doc: 'heartbeat interval: a record is published at least this often' },
    { name: 'stoppedTime', type: ['null', micros], default: null, doc: 'set on the last record of a clean stop' },
    {
      name: 'filesystems',
      doc: 'the filesystems this agent watches now',
      type: {
        type: 'array',
        items: {
          type: 'record',
          name: 'AgentFilesystem',
          fields: [
            {
              name: 'identity',
              type: {
                type: 'record',
                name: 'AgentFsIdentity',
                fields: [
                  { name: 'type', type: 'string' },
                  optString('device', 'kernel device name (loop0, sda1)'),
                  optString('majorMinor', 'major:minor'),
                  optString('fsid', 'statfs fsid, 16 hex digits'),
                  optString('uuid', 'filesystem uuid'),
                  optString('mountPoint', 'mount point'),
                  { name: 'mountUid', type: ['null', 'long'], default: null, doc: "the kernel's never-reused mount id, when known" },
                ],
              },
            },
            { name: 'mode', type: 'string', doc: 'how it is watched: fanotify+kmsg, kmsg, ...' },
            { name: 'state', type: 'string', doc: 'healthy | degraded | dead, from the local store projection' },
            { name: 'errors', type: 'long', doc: 'kernel errors the local store recorded for it' },
            { name: 'lost', type: 'long', doc: 'events lost that were attributed to it' },
          ],
        },
      },
    },
    { name: 'lost', type: 'long', doc: 'everything this agent lost (LOST counts)' },
    { name: 'lostByReason', type: { type: 'map', values: 'long' }, doc: 'losses per reason' },
    { name: 'events', type: 'long', doc: 'events in the local store projection' },
  ],
} as const;

export interface AgentFilesystem {
  identity: { type: string; device: string | null; majorMinor: string | null; fsid: string | null; uuid: string | null; mountPoint: string | null; mountUid: number | null };
  mode: string;
  state: HealthState;
  errors: number;
  lost: number;
}

export interface AgentRecord {
  host: string;
  version: string;
  kernel: string;
  storeId: string | null;
  startTime: number;
  heartbeatTime: number;
  intervalMs: number;
  stoppedTime: number | null;
  filesystems: AgentFilesystem[];
  lost: number;
  lostByReason: Record<string, number>;
  events: number;
}

export interface AgentSchema {
  type: AvroType;
  text: string;
  canonical: string;
  fingerprint: string;
}

let cached: AgentSchema | null = null;

export function agentSchema(): AgentSchema {
  if (cached) return cached;
  const type = parseAvroSchema(AGENT_SCHEMA);
  const canonical = type.canonical();
  cached = { type, text: JSON.stringify(AGENT_SCHEMA, null, 2), canonical, fingerprint: rabinFingerprint(canonical).toString('hex') };
  return cached;
}

/** avsc returns class instances; callers get plain objects. */
export function decodeAgent(body: Buffer, writer?: AvroType): AgentRecord {
  const s = agentSchema();
  const rec = writer && writer !== s.type ? s.type.fromBuffer(body, s.type.createResolver(writer)) : s.type.fromBuffer(body);
  return JSON.parse(JSON.stringify(rec)) as AgentRecord;
}
