/**
 * Loads configuration: YAML file (optional) → ${ENV} interpolation → validation with defaults.
 * Errors name the offending key and value.
 */
import * as fs from 'node:fs';
import YAML from 'yaml';
import { FsfaultError } from '../errors';
import { defaultConfigFile } from './config-file';
import { Config } from './schema';

export { DEFAULT_CONFIG_FILE, defaultConfigFile } from './config-file';

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Replace ${NAME} and ${NAME:-default} in every string value; an unset NAME without default is an error. */
export function interpolate(value: unknown, env: NodeJS.ProcessEnv, path: string[] = []): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_REF, (_m, name: string, dflt: string | undefined) => {
      const v = env[name];
      if (v !== undefined) return v;
      if (dflt !== undefined) return dflt;
      throw new FsfaultError('CONFIG_ENV_MISSING', `config key '${path.join('.') || '(root)'}' references \${${name}}, which is not set`, {
        details: { key: path.join('.'), variable: name },
      });
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, [...path, String(i)]));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env, [...path, k])]));
  }
  return value;
}

export function validateConfig(raw: unknown, origin = 'config'): Config {
  const r = Config.safeParse(raw ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const key = issue.path.join('.') || '(root)';
  let value: unknown = raw;
  for (const p of issue.path) value = (value as Record<string | number, unknown> | undefined)?.[p];
  const shown = value === undefined ? '' : ` (got ${JSON.stringify(value)})`;
  const extra = issue.code === 'unrecognized_keys' ? `: unknown key(s) ${issue.keys.map((k) => `'${k}'`).join(', ')}` : `: ${issue.message}`;
  throw new FsfaultError('CONFIG_INVALID', `${origin}: key '${key}'${extra}${shown}`, { details: { key, issues: r.error.issues } });
}

export function parseConfigText(text: string, origin: string, env: NodeJS.ProcessEnv = process.env): Config {
  let raw: unknown;
  try {
    // parseDocument, not parse: YAML.parse prints warnings (an unknown !tag or %directive) as
    // multi-line process warnings and goes on; a config with one is refused in one line instead
    // (found by fuzzing).
    const doc = YAML.parseDocument(text, { prettyErrors: false, logLevel: 'error' });
    const problem = doc.errors[0] ?? doc.warnings[0];
    if (problem) throw problem;
    raw = doc.toJS();
  } catch (e) {
    throw new FsfaultError('CONFIG_UNREADABLE', `${origin}: not valid YAML: ${(e as Error).message.split('\n')[0]}`, { cause: e });
  }
  let interpolated: unknown;
  try {
    interpolated = interpolate(raw ?? {}, env);
  } catch (e) {
    // Name the file like every other config error does (found by fuzzing).
    if (e instanceof FsfaultError) throw new FsfaultError(e.code, `${origin}: ${e.message}`, { details: e.details, cause: e });
    throw e;
  }
  return validateConfig(interpolated, origin);
}

export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): Config {
  file ??= defaultConfigFile(env);
  if (!file) return validateConfig({});
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new FsfaultError('CONFIG_UNREADABLE', `cannot read config file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  return parseConfigText(text, file, env);
}
