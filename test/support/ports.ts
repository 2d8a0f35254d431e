import { createServer } from 'node:net';

// Ports handed out by this process. The kernel may return a just-closed port again on the
// next bind to port 0, so two calls in one test run would otherwise collide.
const handedOut = new Set<number>();

// Bounds the retries when the kernel keeps returning ports this process already handed out.
const MAX_ATTEMPTS = 100;

/**
 * Returns a TCP port that is free on `host` right now, found by binding port 0 and closing
 * the socket. The port is never returned twice by one process.
 *
 * NOTE: another process may bind the port before the caller does. The helpers that start
 * servers then fail with the server's log, which names the port in use.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    const port = await bindEphemeralPort(host);

    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no new free port on ${host} after ${MAX_ATTEMPTS} attempts`);
}

/** Returns `count` distinct free TCP ports on `host` (see {@link freePort}). */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  if (!Number.isInteger(count) || count < 0) {
    throw new Error(`invalid port count ${count}: expected an integer >= 0`);
  }

  const ports: number[] = [];
  for (let index = 0; index < count; index += 1) {
    ports.push(await freePort(host));
  }
  return ports;
}

function bindEphemeralPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();

    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;

      server.close((error) => {
        if (error) reject(error);
        else if (port === 0) reject(new Error(`could not read the bound port on ${host}`));
        else resolve(port);
      });
    });
  });
}
