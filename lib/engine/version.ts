/** evalflow's package version (package.json sits three levels above dist/lib/engine/). */
import * as path from 'node:path';

function readVersion(): string {
  try {
    return (require(path.join(__dirname, '..', '..', '..', 'package.json')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export const EVALFLOW_VERSION = readVersion();
