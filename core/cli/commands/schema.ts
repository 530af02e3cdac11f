/** `fsfault schema`: print the composed Avro schema (and its fingerprint) for the configured plugins. */
import type { Command } from 'commander';
import { loadConfig } from '../../config/load';
import { composeSchema } from '../../schema/compose';
import { PluginRegistry } from '../../plugins/registry';
import { builtinPlugins } from '../../../plugins';
import type { CliIo } from '../io';
import { agentSchema } from '../../schema/agent-schema';

export function register(program: Command, io: CliIo): void {
  program
    .command('schema')
    .description('print the Avro schema of fsfault events, composed from the core record and every plugin blob')
    .option('--config <file>', 'configuration file (YAML)')
    .option('--canonical', 'print the Parsing Canonical Form instead of the full schema')
    .option('--fingerprint', 'print only the CRC-64-AVRO fingerprint (16 hex digits)')
    .option('--agent', "the agent record's schema (the fleet's agents topic) instead of the events'")
    .action((opts: { config?: string; canonical?: boolean; fingerprint?: boolean; agent?: boolean }) => {
      loadConfig(opts.config, io.env);
      const schema = opts.agent ? agentSchema() : composeSchema(new PluginRegistry(builtinPlugins).all());
      if (opts.fingerprint) io.out.write(`${schema.fingerprint}\n`);
      else io.out.write(`${opts.canonical ? schema.canonical : schema.text}\n`);
    });
}
