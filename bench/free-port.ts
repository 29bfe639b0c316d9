// A free loopback port, for the servers each bench starts. The bench scripts run under Node's type stripping without
// the project's import mapping, so they share this file rather than the test helpers' copy.
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
