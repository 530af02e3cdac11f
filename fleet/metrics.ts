/**
 * Prometheus text for `fleet serve` /metrics: fleet gauges with bounded cardinality (states ×
 * filesystem types; no per-host series unless `fleet.perHostMetrics`), plus this instance's
 * consumer figures. Hand-written exposition like core/metrics/exposition.ts: a handful of gauges
 * computed on request from the fleet view do not need a registry of mutable metric objects.
 */
import type { FleetAgent, FleetFilesystem } from './merge';
import { countByState } from './merge';
import type { MemberStats } from './group-member';

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export function fleetMetrics(fss: readonly FleetFilesystem[], agents: readonly FleetAgent[], member: MemberStats, opts: { perHost: boolean }): string {
  const out: string[] = [];
  const gauge = (name: string, help: string, rows: [Record<string, string>, number][]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const [labels, v] of rows) {
      const l = Object.entries(labels).map(([k, x]) => `${k}="${esc(x)}"`).join(',');
      out.push(`${name}${l ? `{${l}}` : ''} ${v}`);
    }
  };
  const { byState, byTypeState } = countByState(fss);
  gauge('fsfault_fleet_filesystems', 'Filesystems in the fleet by state', Object.entries(byState).map(([state, n]) => [{ state }, n]));
  const typeRows: [Record<string, string>, number][] = [];
  for (const [type, states] of Object.entries(byTypeState)) for (const [state, n] of Object.entries(states)) typeRows.push([{ type, state }, n]);
  gauge('fsfault_fleet_filesystems_by_type', 'Filesystems in the fleet by type and state', typeRows);
  const agentRows = (['running', 'silent', 'stopped'] as const).map((s): [Record<string, string>, number] => [{ status: s }, agents.filter((a) => a.status === s).length]);
  gauge('fsfault_fleet_agents', 'Agents by status (silent: no heartbeat for the configured number of intervals)', agentRows);
  gauge('fsfault_fleet_silent_agents', 'Agents without a heartbeat for the configured number of intervals', [[{}, agents.filter((a) => a.status === 'silent').length]]);
  gauge('fsfault_fleet_consumer_lag_messages', 'Events not yet folded in the partitions this instance owns', [[{}, member.lag]]);
  gauge('fsfault_fleet_partitions_owned', 'Events-topic partitions this instance owns', [[{}, member.partitions.length]]);
  gauge('fsfault_fleet_events_applied', 'Events folded by this instance since it started', [[{}, member.applied]]);
  gauge('fsfault_fleet_events_skipped', 'Events delivered again and skipped (already in the state) by this instance', [[{}, member.skipped]]);
  gauge('fsfault_fleet_events_undecodable', 'Messages this instance could not decode and skipped', [[{}, member.undecodable]]);
  gauge('fsfault_fleet_agents_undecodable', 'Agent records the fleet view could not decode (registry unreachable, unknown schema) and skipped', [[{}, member.agentsUndecodable ?? 0]]);
  gauge('fsfault_fleet_state_records_written', 'Fleet-state records this instance wrote since it started', [[{}, member.stateWrites]]);
  gauge('fsfault_fleet_state_repairs', 'Fleet-state records of owned partitions written again because another writer (a previous owner\'s late write) overwrote them', [[{}, member.repairs ?? 0]]);
  gauge('fsfault_fleet_state_flushes', 'State writes + offset commits by this instance (each covers every partition folded meanwhile)', [[{}, member.flushes]]);
  gauge('fsfault_fleet_ready', '1 once the fleet topics are read and the owned partitions restored', [[{}, member.restored ? 1 : 0]]);
  if (opts.perHost) {
    const byHost = new Map<string, number>();
    for (const f of fss) if (f.state !== 'healthy') byHost.set(f.host, (byHost.get(f.host) ?? 0) + 1);
    gauge('fsfault_fleet_host_unhealthy_filesystems', 'Degraded or dead filesystems per host (fleet.perHostMetrics)', [...byHost].map(([host, n]) => [{ host }, n]));
  }
  return `${out.join('\n')}\n`;
}
