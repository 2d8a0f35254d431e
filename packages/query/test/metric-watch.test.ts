import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalReader, type MetricWatchEvent, QueryConnectionError } from '../src/index.js';
import { captureDiag } from './helpers/diag-capture.js';
import { closedPort, type FakeServer, startFakeServer } from './helpers/fake-server.js';

let server: FakeServer;
let value = 1;

beforeEach(async () => {
  value = 1;
  server = await startFakeServer((_request, response) => {
    response.end(`# TYPE load gauge\nload{node="n1"} ${value}\n`);
  });
});

afterEach(async () => {
  await server.close();
});

function waitUntil(condition: () => boolean, timeoutMillis = 5_000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const check = () => {
      if (condition()) resolve();
      else if (Date.now() - start > timeoutMillis) reject(new Error('condition not met in time'));
      else setTimeout(check, 10);
    };
    check();
  });
}

describe('watch', () => {
  it('reports values until stopped', async () => {
    const reader = createLocalReader({ endpoint: server.url, env: {} });
    const events: MetricWatchEvent[] = [];
    const stop = reader.watch('load', { node: 'n1' }, { intervalMillis: 20 }, (event) => {
      events.push(event);
      value++;
    });

    await waitUntil(() => events.length >= 3);
    stop();
    const count = server.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 100));

    expect(events.slice(0, 3).map((e) => e.value)).toEqual([1, 2, 3]);
    expect(events[0]?.name).toBe('load');
    expect(events[0]?.samples[0]?.labels).toEqual({ node: 'n1' });
    expect(events[0]?.error).toBeUndefined();
    expect(server.requests.length).toBe(count);
  });

  it('reports missing metric as undefined', async () => {
    const reader = createLocalReader({ endpoint: server.url, env: {} });
    const events: MetricWatchEvent[] = [];
    const stop = reader.watch('load', { node: 'n9' }, { intervalMillis: 20 }, (event) => {
      events.push(event);
    });

    await waitUntil(() => events.length >= 1);
    stop();

    expect(events[0]).toEqual({ name: 'load', value: undefined, samples: [] });
  });

  it('keeps polling while endpoint is down', async () => {
    const port = await closedPort();
    const reader = createLocalReader({ endpoint: `127.0.0.1:${port}`, env: {} });
    const events: MetricWatchEvent[] = [];
    const diag = captureDiag();
    try {
      const stop = reader.watch('load', {}, { intervalMillis: 10 }, (event) => {
        events.push(event);
      });
      await waitUntil(() => events.length >= 3);
      stop();

      expect(events[0]?.value).toBeUndefined();
      expect(events[0]?.error).toBeInstanceOf(QueryConnectionError);
      expect(events[2]?.error).toBeInstanceOf(QueryConnectionError);
      expect(diag.messages.filter((m) => m.includes('Polling metric "load" failed'))).toHaveLength(
        1,
      );
    } finally {
      diag.stop();
    }
  });

  it('never overlaps polls', async () => {
    let active = 0;
    let maxActive = 0;
    server.handle((_request, response) => {
      active++;
      maxActive = Math.max(maxActive, active);
      setTimeout(() => {
        active--;
        response.end('load 1\n');
      }, 50);
    });
    const reader = createLocalReader({ endpoint: server.url, env: {} });
    let events = 0;
    const stop = reader.watch('load', {}, { intervalMillis: 1 }, () => {
      events++;
    });

    await waitUntil(() => events >= 4);
    stop();

    expect(maxActive).toBe(1);
  });

  it('waits for async listener', async () => {
    const reader = createLocalReader({ endpoint: server.url, env: {} });
    let running = 0;
    let overlapped = false;
    let events = 0;
    const stop = reader.watch('load', {}, { intervalMillis: 1 }, async () => {
      running++;
      if (running > 1) overlapped = true;
      await new Promise((resolve) => setTimeout(resolve, 30));
      running--;
      events++;
    });

    await waitUntil(() => events >= 3);
    stop();

    expect(overlapped).toBe(false);
  });

  it('survives throwing listener', async () => {
    const reader = createLocalReader({ endpoint: server.url, env: {} });
    let calls = 0;
    const diag = captureDiag();
    try {
      const stop = reader.watch('load', {}, { intervalMillis: 5 }, () => {
        calls++;
        throw new Error('agent bug');
      });
      await waitUntil(() => calls >= 3);
      stop();

      expect(
        diag.messages.filter((m) => m.includes('Listener of metric "load" failed: agent bug')),
      ).toHaveLength(1);
    } finally {
      diag.stop();
    }
  });

  it('stop aborts in-flight poll', async () => {
    server.handle((_request, response) => {
      setTimeout(() => response.end('load 1\n'), 2_000);
    });
    const reader = createLocalReader({ endpoint: server.url, env: {} });
    let calls = 0;
    const stop = reader.watch('load', {}, { intervalMillis: 5 }, () => {
      calls++;
    });

    await waitUntil(() => server.requests.length >= 1);
    stop();
    await new Promise((resolve) => setTimeout(resolve, 100));

    expect(calls).toBe(0);
  });

  it('rejects invalid interval', () => {
    const reader = createLocalReader({ endpoint: server.url, env: {} });

    expect(() => reader.watch('load', {}, { intervalMillis: 0 }, () => undefined)).toThrow(
      'Invalid option intervalMillis 0: expected a positive integer.',
    );
    expect(() =>
      reader.watch('load', {}, { intervalMillis: 5 }, 'x' as unknown as () => void),
    ).toThrow('Invalid argument listener: expected a function.');
  });
});
