/**
 * Typed errors with stable codes. Every error fsfault raises on purpose is a FsfaultError whose
 * `code` is listed in ERROR_CODES; the README's error table is checked against this list by a test.
 */
export const ERROR_CODES = {
  // configuration and CLI
  CONFIG_INVALID: 'a configuration key has a bad value',
  CONFIG_UNREADABLE: 'the configuration file cannot be read or parsed',
  CONFIG_ENV_MISSING: 'a ${ENV} reference names an unset variable',
  CLI_BAD_ARGUMENT: 'a command-line argument is invalid',
  // replay / raw input
  REPLAY_BAD_LINE: 'a replay file line is not a valid raw record',
  REPLAY_UNREADABLE: 'a replay file cannot be read',
  // plugins
  PLUGIN_DUPLICATE_NAME: 'two plugins have the same name',
  PLUGIN_DUPLICATE_FSTYPE: 'two plugins claim the same filesystem type',
  PLUGIN_API_INCOMPATIBLE: "a plugin's supported core API range excludes this core",
  PLUGIN_INVALID: 'a plugin object is missing a required member or has a bad schema',
  PLUGIN_FAILED: 'a plugin function threw',
  // schema / encoding
  SCHEMA_INVALID: 'the composed Avro schema is invalid',
  ENCODE_FAILED: 'an event does not match the Avro schema',
  // native / kernel
  NATIVE_MISSING: 'the native addon is not built',
  NATIVE_SYSCALL: 'a system call in the native addon failed',
  PRIVILEGE_MISSING: 'a required capability is missing',
  // store
  STORE_OPEN_FAILED: 'the local store cannot be opened',
  STORE_CORRUPT: 'the local store is damaged',
  STORE_TOO_NEW: 'the local store was written by a newer fsfault',
  STORE_FULL: 'the local store hit its disk budget with the block policy',
  STORE_PERMISSIONS: 'the state directory has unsafe or wrong permissions',
  STORE_LOCKED: 'another fsfault process is writing the store (one writer per store); the message names its pid',
  // connectors
  CONNECTOR_FATAL: 'a connector hit a non-retriable error',
  CONNECTOR_UNAVAILABLE: 'a connector destination failed in a way that is retried (broker down, timeout)',
  REGISTRY_INCOMPATIBLE: 'the schema is incompatible with the registry subject',
  REGISTRY_UNREACHABLE: 'no schema registry URL answered',
  FLEET_UNAVAILABLE: 'the fleet topics cannot be reached, created or read',
  AVRO_FILE_CORRUPT: 'an Avro container file is truncated or corrupt',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class FsfaultError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;
  readonly retriable: boolean;

  constructor(code: ErrorCode, message: string, opts: { details?: Record<string, unknown>; cause?: unknown; retriable?: boolean } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'FsfaultError';
    this.code = code;
    this.details = opts.details ?? {};
    this.retriable = opts.retriable ?? false;
  }
}

export function isFsfaultError(e: unknown, code?: ErrorCode): e is FsfaultError {
  return e instanceof FsfaultError && (code === undefined || e.code === code);
}
