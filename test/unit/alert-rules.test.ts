/**
 * The shipped Prometheus rules and Grafana dashboard (packaging/): promtool checks the rules and
 * runs their unit-test series, and every metric name they use is one a real fsfault exports —
 * scraped from /metrics of a real pipeline run (the process/Node defaults and per-filesystem
 * series included), so a renamed metric cannot leave a silent alert behind.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { repoRoot } from '../helpers/paths';
import { withMetricsPipeline } from '../helpers/metrics-pipeline';

const PROM = path.join(repoRoot, 'packaging', 'prometheus');
const DASHBOARD = path.join(repoRoot, 'packaging', 'grafana', 'fsfault-dashboard.json');
/** Series Prometheus itself makes, not the target. */
const PROMETHEUS_OWN = new Set(['up']);

/** Metric names in a PromQL expression: identifiers not followed by `(` that are not keywords or label names. */
function metricNames(expr: string): string[] {
  const noStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\{[^}]*\}/g, '{}').replace(/\[[^\]]*\]/g, '[]');
  const words = [...noStrings.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)].map((m) => m[1]!);
  const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset',
    // aggregation operators written `sum by (l) (…)`: not followed by `(` directly
    'sum', 'min', 'max', 'avg', 'count', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'group', 'count_values']);
  const inGrouping = new Set<string>();
  for (const g of noStrings.matchAll(/\b(?:by|without|on|ignoring)\s*\(([^)]*)\)/g)) for (const l of g[1]!.split(',')) inGrouping.add(l.trim());
  return words.filter((w) => !KEYWORDS.has(w) && !inGrouping.has(w) && !/^\d/.test(w));
}

async function scrapeNames(): Promise<Set<string>> {
  return withMetricsPipeline('ext4-abort.jsonl', undefined, async (base, pipeline) => {
    const text = await (await fetch(`${base}/metrics`)).text();
    await pipeline.stop();
    return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
  });
}

describe('alert rules and dashboard', () => {
  it('promtool checks the rules and passes their unit tests', () => {
    const check = spawnSync('promtool', ['check', 'rules', 'fsfault-alerts.yml'], { cwd: PROM, encoding: 'utf8', timeout: 60_000 });
    assert.equal(check.status, 0, check.stdout + check.stderr);
    const t = spawnSync('promtool', ['test', 'rules', 'fsfault-alerts.test.yml'], { cwd: PROM, encoding: 'utf8', timeout: 60_000 });
    assert.equal(t.status, 0, t.stdout + t.stderr);
    assert.match(t.stdout, /SUCCESS/);
    for (const alert of ['FsfaultFilesystemDied', 'FsfaultFilesystemErrorsRising', 'FsfaultEventsLost', 'FsfaultConnectorDown', 'FsfaultConnectorLagging', 'FsfaultNotReady']) {
      assert.ok(fs.readFileSync(path.join(PROM, 'fsfault-alerts.test.yml'), 'utf8').includes(`alertname: ${alert}`), `${alert} has a unit test`);
    }
  });

  it('every metric the rules and the dashboard use is one fsfault exports', async () => {
    const exported = await scrapeNames();
    const rules = fs.readFileSync(path.join(PROM, 'fsfault-alerts.yml'), 'utf8');
    const ruleExprs = [...rules.matchAll(/^\s*expr: (.*)$/gm)].map((m) => m[1]!);
    const dash = JSON.parse(fs.readFileSync(DASHBOARD, 'utf8')) as { panels: { targets: { expr: string }[] }[]; templating: { list: { query?: string }[] } };
    const dashExprs = [...dash.panels.flatMap((p) => p.targets.map((t) => t.expr)), ...dash.templating.list.map((v) => v.query ?? '').filter((q) => q.startsWith('label_values'))];
    assert.ok(ruleExprs.length >= 6 && dashExprs.length >= 12);
    const used = new Set([...ruleExprs, ...dashExprs].flatMap(metricNames).filter((n) => n !== 'label_values' && n !== 'instance' && !n.startsWith('$')));
    const unknown = [...used].filter((n) => !exported.has(n) && !PROMETHEUS_OWN.has(n));
    assert.deepEqual(unknown, [], `used but not exported: ${unknown.join(', ')}`);
    for (const n of ['fsfault_filesystem_state', 'fsfault_filesystem_errors_total', 'fsfault_connector_lag_seconds', 'process_resident_memory_bytes']) assert.ok(used.has(n), `${n} is used`);
  });
});
