// The example load generator against a local HTTP server on 127.0.0.1.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseLoadOptions } from '../examples/load-generator/src/options.js';
import { runLoad } from '../examples/load-generator/src/run-load.js';

let server: Server | undefined;

/** Starts a server whose handler decides each response; resolves with its base URL. */
async function serve(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function options(url: string, extra: string[]) {
  const parsed = parseLoadOptions(['--url', url, ...extra]);
  if (parsed === 'help') throw new Error('unexpected help');
  return parsed;
}

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

describe('load generator run', () => {
  it('sends rate times duration requests', async () => {
    const paths: string[] = [];
    const url = await serve((request, response) => {
      paths.push(`${request.method} ${request.url}`);
      request.resume();
      request.on('end', () => response.end('{}'));
    });

    const summary = await runLoad(options(url, ['--rate', '50', '--duration', '1']), () => {});
    expect(summary.sent).toBe(50);
    expect(summary.succeeded).toBe(50);
    expect(summary.failed).toEqual({});
    expect(summary.skipped).toBe(0);
    expect(summary.stoppedBy).toBe('duration');
    expect(new Set(paths)).toEqual(new Set(['POST /predict']));
    expect(summary.latencyMillis.p50).toBeGreaterThan(0);
  });

  it('stops at the request limit', async () => {
    const url = await serve((request, response) => {
      request.resume();
      request.on('end', () => response.end('{}'));
    });

    const summary = await runLoad(
      options(url, ['--rate', '200', '--duration', '5', '--max-requests', '7']),
      () => {},
    );
    expect(summary.sent).toBe(7);
    expect(summary.stoppedBy).toBe('max-requests');
  });

  it('counts failures by status', async () => {
    let count = 0;
    const url = await serve((request, response) => {
      request.resume();
      count++;
      response.statusCode = count % 2 === 0 ? 503 : 200;
      response.end('{}');
    });

    const summary = await runLoad(options(url, ['--rate', '20', '--duration', '1']), () => {});
    expect(summary.sent).toBe(20);
    expect(summary.succeeded).toBe(10);
    expect(summary.failed).toEqual({ '503': 10 });
  });

  it('skips requests above the in-flight limit', async () => {
    const pending: ServerResponse[] = [];
    const url = await serve((request, response) => {
      request.resume();
      pending.push(response);
    });
    // Answers everything once the schedule is over, so the run can finish.
    const release = setTimeout(() => {
      for (const response of pending) response.end('{}');
    }, 1200);

    const summary = await runLoad(
      options(url, ['--rate', '40', '--duration', '1', '--max-in-flight', '5']),
      () => {},
    );
    clearTimeout(release);
    expect(summary.sent).toBe(5);
    expect(summary.skipped).toBe(35);
    expect(summary.succeeded).toBe(5);
  });

  it('counts timeouts', async () => {
    const url = await serve((request) => {
      request.resume();
    });

    const summary = await runLoad(
      options(url, ['--rate', '10', '--duration', '1', '--timeout-millis', '100']),
      () => {},
    );
    expect(summary.sent).toBe(10);
    expect(summary.failed).toEqual({ timeout: 10 });
  });

  it('does not follow redirects', async () => {
    const url = await serve((request, response) => {
      request.resume();
      response.writeHead(307, { location: 'http://127.0.0.1:9/predict' });
      response.end();
    });

    const summary = await runLoad(options(url, ['--rate', '5', '--duration', '1']), () => {});
    expect(summary.sent).toBe(5);
    expect(summary.failed).toEqual({ network: 5 });
  });

  it('stops on abort', async () => {
    const url = await serve((request, response) => {
      request.resume();
      request.on('end', () => response.end('{}'));
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);

    const summary = await runLoad(
      options(url, ['--rate', '20', '--duration', '30']),
      () => {},
      controller.signal,
    );
    expect(summary.stoppedBy).toBe('signal');
    expect(summary.sent).toBeLessThan(20);
  });
});
