/**
 * Which configuration file a command uses and the built-in defaults of the two keys every store
 * command needs (stateDir, host). Apart from load.ts so that a command run without a configuration
 * file (`fsfault status` on a default install) can find its store without loading the YAML parser
 * and the configuration schema (CLI start-up time, bench/cli-startup). schema.ts takes its defaults
 * from here, so the two cannot disagree.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';

/** Where a packaged install keeps its configuration; used when present and no file is named. */
export const DEFAULT_CONFIG_FILE = '/etc/fsfault/config.yaml';

export const DEFAULT_STATE_DIR = '/var/lib/fsfault';

/** The default `host`: this machine's host name. */
export const defaultHost = (): string => os.hostname();

/**
 * The config file a command uses when none is named: $FSFAULT_CONFIG when set (an empty value means
 * "none": built-in defaults), else /etc/fsfault/config.yaml when it exists, else none.
 */
export function defaultConfigFile(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const named = env.FSFAULT_CONFIG;
  if (named !== undefined) return named || undefined;
  return fs.existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined;
}
