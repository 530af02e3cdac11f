/**
 * Locating Apache avro-tools (Java) from the local Maven repository. Fetch it with
 *   mvn -q dependency:get -Dartifact=org.apache.avro:avro-tools:1.12.0
 * or point AVRO_TOOLS_JAR at a jar. Missing: the test fails with that line.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const AVRO_TOOLS_VERSION = '1.12.0';

export function avroToolsJar(): string {
  const candidates = [
    process.env.AVRO_TOOLS_JAR,
    path.join(os.homedir(), '.m2', 'repository', 'org', 'apache', 'avro', 'avro-tools', AVRO_TOOLS_VERSION, `avro-tools-${AVRO_TOOLS_VERSION}.jar`),
  ].filter((c): c is string => Boolean(c));
  for (const c of candidates) if (fs.existsSync(c)) return c;
  throw new Error(`avro-tools jar not found (looked at ${candidates.join(', ')}); fetch it: mvn -q dependency:get -Dartifact=org.apache.avro:avro-tools:${AVRO_TOOLS_VERSION}`);
}
