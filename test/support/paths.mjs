// Where things are, for tests: the repository root, the test-only fixtures and
// the Python interpreter that has the reference client (nomyo==0.2.9).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = process.env.NOMYO_TEST_ROOT ?? fileURLToPath(new URL('../..', import.meta.url));
export const fixturesDir = join(repoRoot, 'test', 'fixtures');
export const keysDir = join(fixturesDir, 'keys');

/** Paths of a fixture key pair: 'server', 'client', 'client-encrypted' or 'weak-1024'. */
export function fixtureKey(name) {
  return {
    privateKey: join(keysDir, name, 'private_key.pem'),
    publicKey: join(keysDir, name, 'public_key.pem'),
  };
}

export const clientEncryptedPassword = 'correct horse battery staple';
export const pythonVectorPath = join(fixturesDir, 'vector-python-sealed.json');
export const routerCliPath = join(repoRoot, 'packages', 'nomyo-router', 'dist', 'cli.js');

/** The Python with nomyo==0.2.9: $NOMYO_PYTHON, else <root>/.venv/bin/python. Throws if absent. */
export function pythonBin() {
  const candidate = process.env.NOMYO_PYTHON ?? join(repoRoot, '.venv', 'bin', 'python');
  if (!existsSync(candidate)) {
    throw new Error(
      `Python for the reference client not found at ${candidate}: create the venv ` +
        '(python3 -m venv .venv && .venv/bin/pip install -r test/python/requirements.txt) or set NOMYO_PYTHON',
    );
  }
  return candidate;
}
