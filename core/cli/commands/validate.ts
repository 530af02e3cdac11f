/**
 * `fsfault validate [FILE]`: check a config file — by default the one `watch` would use
 * ($FSFAULT_CONFIG, else /etc/fsfault/config.yaml) — including the plugin modules it names (loaded
 * and registered exactly as `watch` does); or, with --replay, a replay file. Says what is wrong.
 */
import type { Command } from 'commander';
import { defaultConfigFile, loadConfig } from '../../config/load';
import { FsfaultError } from '../../errors';
import { readReplayFile } from '../../sources/replay-source';
import { resolvePlugins } from '../../container';
import type { CliIo } from '../io';

export function register(program: Command, io: CliIo): void {
  program
    .command('validate')
    .description('validate a configuration file (default: $FSFAULT_CONFIG or /etc/fsfault/config.yaml) and its plugins, or a replay file (--replay)')
    .argument('[file]', 'the file to check')
    .option('--replay', 'the file is a replay file (JSON lines of raw records)')
    .action((given: string | undefined, opts: { replay?: boolean }) => {
      const file = given ?? (opts.replay ? undefined : defaultConfigFile(io.env));
      if (!file) throw new FsfaultError('CLI_BAD_ARGUMENT', opts.replay ? 'validate --replay needs a FILE' : 'no config file to validate: name one, set FSFAULT_CONFIG, or create /etc/fsfault/config.yaml');
      if (opts.replay) {
        const records = readReplayFile(file);
        io.out.write(`${file}: ok, ${records.length} records\n`);
        return;
      }
      const config = loadConfig(file, io.env);
      // Loading and validating the plugin set is part of the config: a bad `plugins:` entry fails here.
      const plugins = resolvePlugins(config).map((p) => `${p.meta.name}@${p.meta.version}`);
      const parts = [`host=${config.host}`, `plugins=${plugins.join(',')}`, `stateDir=${config.stateDir}`, `store=${config.store.enabled ? 'on' : 'off'}`];
      if (config.kafka) parts.push(`kafka=${config.kafka.brokers.join(',')} topic=${config.kafka.topic}`);
      if (config.avroFiles) parts.push(`avroFiles=${config.avroFiles.dir}`);
      io.out.write(`${file}: ok (${parts.join(', ')})\n`);
    });
}
