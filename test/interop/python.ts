/**
 * Finding a Python that has a given Avro library. Debian's python3-avro lives in the system Python
 * (/usr/bin/python3) while fastavro may be pip-installed into another one (pyenv, venv), so each
 * library gets the first interpreter that imports it. None: the test fails with the install line.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { repoRoot } from '../helpers/paths';

const INSTALL: Record<string, string> = {
  avro: 'apt-get install -y python3-avro python3-snappy',
  fastavro: 'python3 -m pip install fastavro==1.13.1 cramjam',
  snappy: 'apt-get install -y python3-snappy',
  cramjam: 'python3 -m pip install cramjam',
};

export function pythonWith(modules: string[]): string {
  const candidates = [process.env.FSFAULT_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => Boolean(c));
  for (const py of candidates) {
    const r = spawnSync(py, ['-c', modules.map((m) => `import ${m}`).join('; ')], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  throw new Error(`no Python among ${candidates.join(', ')} imports ${modules.join(' + ')}; install: ${modules.map((m) => INSTALL[m] ?? m).join(' && ')}`);
}

export function runPython(py: string, script: string, args: string[]): string {
  const r = spawnSync(py, [path.join(repoRoot, 'test', 'interop', script), ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${py} ${script} failed (${r.status ?? r.signal}): ${r.stderr}`);
  return r.stdout;
}
