import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AgentLocator,
  type DiscoveryResult,
  getAgentLocator,
  resolveSettings,
} from '../src/index.js';
import { closedPort, type FakeServer, startFakeHttp } from './fake-servers.js';

const NO_FILE = { serviceAccountNamespaceFile: '/nonexistent/namespace' };
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function settingsOf(env: Record<string, string>) {
  return resolveSettings({ discovery: { retryMaxBackoffMillis: 200 } }, env, NO_FILE);
}

function locatorFor(env: Record<string, string>, ports: number[], extra = {}): AgentLocator {
  const locator = getAgentLocator(settingsOf(env), {
    httpPorts: ports,
    grpcPorts: [],
    localhostAddresses: [],
    retryInitialBackoffMillis: 50,
    ...extra,
  });
  cleanups.push(() => locator.close());
  return locator;
}

async function track(server: Promise<FakeServer>): Promise<FakeServer> {
  const started = await server;
  cleanups.push(() => started.close());
  return started;
}

describe('getAgentLocator', () => {
  it('returns one locator per settings key', () => {
    const a = locatorFor({ NODE_IP: '127.0.0.1' }, [1]);
    const b = getAgentLocator(settingsOf({ NODE_IP: '127.0.0.1' }), {
      httpPorts: [1],
      grpcPorts: [],
      localhostAddresses: [],
      retryInitialBackoffMillis: 50,
    });
    expect(b).toBe(a);
  });

  it('uses the default target before discovery finishes', () => {
    const locator = locatorFor({ NODE_IP: '127.0.0.1' }, [2]);
    expect(locator.status().state).toBe('discovering');
    expect(locator.target('metrics').url).toBe('http://localhost:4318/v1/metrics');
    expect(locator.target('metrics').source).toBe('default');
  });

  it('finds the agent and builds export targets', async () => {
    const http = await track(startFakeHttp());
    const locator = getAgentLocator(
      resolveSettings(
        {},
        {
          NODE_IP: '127.0.0.1',
          OTEL_EXPORTER_OTLP_HEADERS: 'k=v',
          OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
        },
        NO_FILE,
      ),
      { httpPorts: [http.port], grpcPorts: [], localhostAddresses: [] },
    );
    cleanups.push(() => locator.close());

    const result = await locator.ready();
    expect(result.reachable).toBe(true);
    expect(locator.status().state).toBe('found');
    expect(locator.exportTarget('logs')).toEqual({
      url: `http://127.0.0.1:${http.port}/v1/logs`,
      protocol: 'http/protobuf',
      headers: { k: 'v' },
      compression: 'gzip',
      timeoutMillis: 10_000,
      insecure: false,
    });
  });

  it('notifies listeners when the agent appears', async () => {
    const port = await closedPort();
    const locator = locatorFor({ NODE_IP: '127.0.0.1' }, [port]);
    const changes: DiscoveryResult[] = [];
    const unsubscribe = locator.onChange((result) => changes.push(result));

    const first = await locator.ready();
    expect(first.reachable).toBe(false);
    expect(locator.status().state).toBe('searching');
    expect(locator.status().nextRetryMillis).toBe(50);

    // The agent starts after the application, on the port discovery keeps probing.
    const agent = await track(startFakeHttp('127.0.0.1', 200, port));
    const deadline = Date.now() + 5_000;
    while (!changes.some((change) => change.reachable) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    const found = changes.find((change) => change.reachable);
    expect(found?.endpoint).toBe(`http://127.0.0.1:${agent.port}`);
    expect(locator.target('metrics').url).toBe(`http://127.0.0.1:${agent.port}/v1/metrics`);
    expect(locator.status().nextRetryMillis).toBeUndefined();
    unsubscribe();
  });

  it('survives a throwing listener', async () => {
    const http = await track(startFakeHttp());
    const locator = locatorFor({ NODE_IP: '127.0.0.1' }, [http.port]);
    let calls = 0;
    locator.onChange(() => {
      calls++;
      throw new Error('listener bug');
    });
    locator.onChange(() => {
      calls++;
    });
    await locator.ready();
    expect(calls).toBe(2);
  });

  it('reportExportFailure schedules one run', async () => {
    const http = await track(startFakeHttp());
    const locator = locatorFor({ NODE_IP: '127.0.0.1' }, [http.port]);
    await locator.ready();
    expect(locator.status().runs).toBe(1);

    locator.reportExportFailure('metrics');
    locator.reportExportFailure('metrics');
    expect(locator.status().nextRetryMillis).toBe(50);

    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(locator.status().runs).toBe(2);
  });

  it('close stops retries and unregisters', async () => {
    const port = await closedPort();
    const locator = locatorFor({ NODE_IP: '127.0.0.1' }, [port]);
    await locator.ready();
    locator.close();
    expect(locator.status().state).toBe('closed');
    expect(locator.status().nextRetryMillis).toBeUndefined();

    const runs = locator.status().runs;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(locator.status().runs).toBe(runs);

    const fresh = getAgentLocator(settingsOf({ NODE_IP: '127.0.0.1' }), {
      httpPorts: [port],
      grpcPorts: [],
      localhostAddresses: [],
      retryInitialBackoffMillis: 50,
    });
    cleanups.push(() => fresh.close());
    expect(fresh).not.toBe(locator);
  });

  it('keeps explicit endpoints and does not retry them', async () => {
    const port = await closedPort();
    const locator = getAgentLocator(
      resolveSettings({ otlp: { endpoint: `http://127.0.0.1:${port}` } }, {}, NO_FILE),
    );
    cleanups.push(() => locator.close());
    expect(locator.target('traces').url).toBe(`http://127.0.0.1:${port}/v1/traces`);
    const result = await locator.ready();
    expect(result.reachable).toBe(false);
    expect(result.source).toBe('otlp.endpoint');
    expect(locator.status().nextRetryMillis).toBeUndefined();
  });

  it('retry timers do not keep the process alive', async () => {
    const port = await closedPort();
    const source = resolve(import.meta.dirname, '../src/index.ts');
    const script = `
      import { getAgentLocator, resolveSettings } from ${JSON.stringify(source)};
      const settings = resolveSettings({}, { NODE_IP: '127.0.0.1' });
      const locator = getAgentLocator(settings, {
        httpPorts: [${port}], grpcPorts: [], localhostAddresses: [], retryInitialBackoffMillis: 60000,
      });
      const result = await locator.ready();
      console.log(JSON.stringify({ reachable: result.reachable, next: locator.status().nextRetryMillis }));
    `;

    const started = Date.now();
    const output = await new Promise<{ code: number | null; stdout: string }>((done) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script],
        {
          cwd: resolve(import.meta.dirname, '../../..'),
          env: { PATH: process.env.PATH ?? '' },
        },
      );
      let stdout = '';
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        done({ code, stdout });
      });
    });

    expect(output.code).toBe(0);
    expect(JSON.parse(output.stdout)).toEqual({ reachable: false, next: 60000 });
    // The process ended long before the 60 s retry timer would have fired.
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
