import { describe, expect, it } from 'vitest';
import { createSampler } from '../src/sampler.js';

describe('createSampler', () => {
  it.each([
    ['always_on', undefined, 'AlwaysOnSampler'],
    ['always_off', undefined, 'AlwaysOffSampler'],
    ['traceidratio', '0.25', 'TraceIdRatioBased{0.25}'],
    ['parentbased_always_on', undefined, 'ParentBased{root=AlwaysOnSampler'],
    ['parentbased_always_off', undefined, 'ParentBased{root=AlwaysOffSampler'],
    ['parentbased_traceidratio', 0.5, 'ParentBased{root=TraceIdRatioBased{0.5}'],
    [undefined, undefined, 'ParentBased{root=AlwaysOnSampler'],
    ['  ALWAYS_ON ', undefined, 'AlwaysOnSampler'],
  ])('builds %s', (name, arg, expected) => {
    expect(createSampler(name, arg).toString()).toContain(expected);
  });

  it('falls back on bad env name', () => {
    expect(createSampler('jaeger_remote').toString()).toContain('ParentBased{root=AlwaysOnSampler');
  });

  it('falls back on bad env ratio', () => {
    expect(createSampler('traceidratio', '1.5').toString()).toBe('TraceIdRatioBased{1}');
  });

  it('throws on bad code name', () => {
    expect(() => createSampler('sometimes', undefined, false)).toThrow(
      'sampler: invalid value "sometimes"; expected one of always_on, always_off, traceidratio',
    );
  });

  it('throws on bad code ratio', () => {
    expect(() => createSampler('traceidratio', -1, false)).toThrow(
      'sampler ratio: invalid sampler argument -1; expected a number from 0 to 1',
    );
  });
});
