/** `fsfault schema`: print the composed Avro schema (and its fingerprint) for the configured plugins. */
import type { Command } from 'commander';
import { loadConfig } from '../../config/load';
import { schemaFor } from '../../container';
import type { CliIo } from '../io';
import { agentSchema } from '../../schema/agent-schema';

export function register(program: Command, io: CliIo): void {
  program
    .command('schema')
    .description('print the Avro schema of fsfault events, composed from the core record and every plugin blob')
    .option('--config <file>', 'configuration file (YAML)')
    .option('--canonical', 'print the Parsing Canonical Form instead of the full schema')
    .option('--plugin <module>', 'also load this plugin module (repeatable), as watch --plugin does', (v: string, acc: string[] = []) => [...acc, v])
    .option('--fingerprint', 'print only the CRC-64-AVRO fingerprint (16 hex digits)')
    .option('--agent', "the agent record's schema (the fleet's agents topic) instead of the events'")
    .action((opts: { config?: string; canonical?: boolean; fingerprint?: boolean; agent?: boolean; plugin?: string[] }) => {
      const config = loadConfig(opts.config, io.env);
      if (opts.plugin?.length) config.plugins = [...config.plugins, ...opts.plugin];
      // The same plugin set and schema binding watch encodes with, so the fingerprints agree.
      const schema = opts.agent ? agentSchema() : schemaFor(config);
      if (opts.fingerprint) io.out.write(`${schema.fingerprint}\n`);
      else io.out.write(`${opts.canonical ? schema.canonical : schema.text}\n`);
    });
}
