/**
 * Registers the sources fsfault ships: a replay file when the command names one, otherwise the
 * live kernel (native watcher, with the probes bound for the plugin set).
 */
import { ContainerModule, TOKENS, type SourceFactory } from '../bindings';
import { LiveSource } from './live-source';
import { ReplaySource } from './replay-source';

const replay: SourceFactory = {
  name: 'replay',
  create: (req) => (req.replay ? new ReplaySource(req.replay) : null),
};

const live: SourceFactory = {
  name: 'live',
  create: (req, d) =>
    req.replay ? null : new LiveSource({ sources: d.config.sources, plugins: d.plugins, warn: d.warn, probes: d.config.sources.health.enabled ? d.probes : [] }),
};

export const sourcesModule = new ContainerModule(({ bind }) => {
  bind(TOKENS.SourceFactory).toConstantValue(replay);
  bind(TOKENS.SourceFactory).toConstantValue(live);
});
