/** `fsfault validate FILE`: check a config file (or, with --replay, a replay file) and say what is wrong. */
import type { Command } from 'commander';
import { loadConfig } from '../../config/load';
import { readReplayFile } from '../../sources/replay-source';
import { resolvePlugins } from '../../container';
import type { CliIo } from '../io';

export function register(program: Command, io: CliIo): void {
  program
    .command('validate')
    .description('validate a configuration file (default) or a replay file (--replay)')
    .argument('<file>', 'the file to check')
    .option('--replay', 'the file is a replay file (JSON lines of raw records)')
    .action((file: string, opts: { replay?: boolean }) => {
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
