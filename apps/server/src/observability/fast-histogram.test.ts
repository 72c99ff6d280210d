import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FastHistogram } from './fast-histogram.ts';

const options = {
  name: 'idsrv_test_duration_seconds',
  help: 'A test histogram.',
  labelNames: ['route', 'status'] as const,
  buckets: [0.001, 0.01, 0.1, 1],
};
const observations: [Record<'route' | 'status', string | number>, number][] = [
  [{ route: 'token', status: 200 }, 0.0004],
  [{ route: 'token', status: 200 }, 0.001], // on a bound: counted in that bucket (le is "less or equal")
  [{ route: 'token', status: 200 }, 0.05],
  [{ route: 'token', status: 400 }, 2.5], // above every bound: +Inf only
  [{ route: 'userinfo', status: 200 }, 0.009],
];

describe('FastHistogram', () => {
  it("is exported exactly as prom-client's Histogram with the same observations (text and JSON)", async () => {
    const theirs = new Registry();
    const ours = new Registry();
    const reference = new Histogram({ ...options, labelNames: [...options.labelNames], registers: [theirs] });
    const fast = new FastHistogram({ ...options, registers: [ours] });
    for (const [labels, value] of observations) {
      reference.observe(labels, value);
      fast.labels(labels).observe(value);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    // JSON: the same values; label values are always strings here (prom-client keeps the type it was given), and
    // there are no exemplars.
    const normalised = (metrics: { values: { labels: object; exemplar?: unknown }[] }[]) =>
      metrics.map((m) => ({
        ...m,
        values: m.values.map(({ exemplar: _, labels, ...v }) => ({
          ...v,
          labels: Object.fromEntries(Object.entries(labels).map(([k, l]) => [k, k === 'le' ? l : String(l)])),
        })),
      }));
    expect(normalised((await ours.getMetricsAsJSON()) as never)).toEqual(
      normalised((await theirs.getMetricsAsJSON()) as never),
    );
  });

  it('a kept series and observe(labels, value) fill the same series; reset forgets them', async () => {
    const registry = new Registry();
    const fast = new FastHistogram({ ...options, registers: [registry] });
    const series = fast.labels({ route: 'token', status: '200' });
    series.observe(0.002);
    fast.observe({ route: 'token', status: 200 }, 0.003);
    expect(await registry.metrics()).toContain(
      'idsrv_test_duration_seconds_count{route="token",status="200"} 2',
    );
    fast.reset();
    expect(await registry.metrics()).not.toContain('_count');
  });

  it('refuses a label set with a label missing', () => {
    const fast = new FastHistogram(options);
    expect(() => fast.labels({ route: 'token' } as never)).toThrow(/label 'status' is missing/);
  });
});
