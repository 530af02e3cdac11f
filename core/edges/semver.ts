/**
 * The semver edge: does a plugin's `coreApi` range admit the core's API version? npm's own `semver`
 * package (the one fastify checks plugin ranges with) instead of a hand-written subset.
 */
import { satisfies as semverSatisfies, validRange } from 'semver';

/** True when `version` is in `range`; throws naming the range when it is not a semver range. */
export function satisfies(version: string, range: string): boolean {
  if (validRange(range) === null) throw new Error(`'${range}' is not a semver range`);
  return semverSatisfies(version, range);
}
