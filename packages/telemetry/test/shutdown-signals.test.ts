import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { installShutdownHandlers } from '../src/shutdown-signals.js';

class FakeProcess extends EventEmitter {
  readonly pid = 4242;
  readonly kills: [number, string][] = [];

  kill(pid: number, signal: string): true {
    this.kills.push([pid, signal]);
    return true;
  }
}

function setup(shutdown: (timeoutMillis: number) => Promise<unknown> = async () => undefined) {
  const proc = new FakeProcess();
  const calls: number[] = [];
  const uninstall = installShutdownHandlers({
    shutdown: (timeoutMillis) => {
      calls.push(timeoutMillis);
      return shutdown(timeoutMillis);
    },
    timeoutMillis: 1_234,
    process: proc as unknown as NodeJS.Process,
  });
  return { proc, calls, uninstall };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('installShutdownHandlers', () => {
  it('re-raises SIGTERM after shutdown', async () => {
    const { proc, calls } = setup();

    proc.emit('SIGTERM', 'SIGTERM');
    await tick();

    expect(calls).toEqual([1_234]);
    expect(proc.kills).toEqual([[4242, 'SIGTERM']]);
    expect(proc.listenerCount('SIGTERM')).toBe(0);
    expect(proc.listenerCount('SIGINT')).toBe(0);
    expect(proc.listenerCount('beforeExit')).toBe(0);
  });

  it('re-raises SIGINT after shutdown', async () => {
    const { proc } = setup();

    proc.emit('SIGINT', 'SIGINT');
    await tick();

    expect(proc.kills).toEqual([[4242, 'SIGINT']]);
  });

  it('waits for shutdown before re-raising', async () => {
    let finish: () => void = () => undefined;
    const { proc } = setup(() => new Promise<void>((resolve) => (finish = resolve)));

    proc.emit('SIGTERM', 'SIGTERM');
    await tick();
    expect(proc.kills).toEqual([]);

    finish();
    await tick();
    expect(proc.kills).toEqual([[4242, 'SIGTERM']]);
  });

  it('leaves exit to app listeners', async () => {
    const { proc, calls } = setup();
    const appCalls: string[] = [];
    proc.on('SIGTERM', (signal) => appCalls.push(signal));

    proc.emit('SIGTERM', 'SIGTERM');
    await tick();

    expect(calls).toEqual([1_234]);
    expect(appCalls).toEqual(['SIGTERM']);
    expect(proc.kills).toEqual([]);
  });

  it('re-raises after a rejected shutdown', async () => {
    const { proc } = setup(async () => {
      throw new Error('exporter broken');
    });

    proc.emit('SIGTERM', 'SIGTERM');
    await tick();

    expect(proc.kills).toEqual([[4242, 'SIGTERM']]);
  });

  it('shuts down on beforeExit once', async () => {
    const { proc, calls } = setup();

    proc.emit('beforeExit', 0);
    proc.emit('beforeExit', 0);
    await tick();

    expect(calls).toEqual([1_234]);
    expect(proc.kills).toEqual([]);
  });

  it('uninstall removes every listener', () => {
    const { proc, uninstall } = setup();
    uninstall();

    expect(proc.listenerCount('SIGTERM')).toBe(0);
    expect(proc.listenerCount('SIGINT')).toBe(0);
    expect(proc.listenerCount('beforeExit')).toBe(0);
  });
});
