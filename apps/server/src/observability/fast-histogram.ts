import type { Registry } from 'prom-client';

/** One labelled series of a {@link FastHistogram}. */
export interface HistogramSeries {
  /** Records one observation (seconds, for idsrv's histograms). */
  observe(value: number): void;
}

interface Series extends HistogramSeries {
  readonly labels: Record<string, string>;
  /** Observations per bucket (not cumulative); the last slot counts those above every bound (`+Inf`). */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

interface ExportedValue {
  labels: Record<string, string | number>;
  sharedLabels: Record<string, string>;
  value: number;
  metricName: string;
}

/** Options of {@link FastHistogram}, as prom-client's `Histogram` takes them. */
export interface FastHistogramOptions<L extends string> {
  name: string;
  help: string;
  labelNames: readonly L[];
  /** Upper bounds, ascending. */
  buckets: readonly number[];
  registers?: Registry[];
}

/**
 * A Prometheus histogram for the hot path, exported by a prom-client `Registry` exactly as prom-client's own
 * `Histogram` is (`_bucket` with cumulative `le` counts and `+Inf`, `_sum`, `_count`).
 *
 * Deliberately not prom-client's `Histogram`: its `observe`, even on a child from `labels()`, validates and hashes the
 * label set on every call, and the token endpoint observes about six times per request (the request and each store
 * call), which measured as several percent of a `client_credentials` request's CPU. Here a series is looked up once
 * per label set and an observation is a bucket search and three additions. No exemplars, no `startTimer`, no
 * cluster aggregation beyond prom-client's `sum`.
 */
export class FastHistogram<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly labelNames: readonly L[];
  private readonly bounds: readonly number[];
  private readonly series = new Map<string, Series>();

  constructor(options: FastHistogramOptions<L>) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames;
    this.bounds = [...options.buckets].sort((a, b) => a - b);
    for (const registry of options.registers ?? []) registry.registerMetric(this as never);
  }

  /** The series of one label set; keep it to observe without any lookup. Every label must be given. */
  labels(labels: Record<L, string | number>): HistogramSeries {
    const values = this.labelNames.map((name) => {
      const value = labels[name];
      if (value === undefined) throw new Error(`${this.name}: label '${name}' is missing`);
      return String(value);
    });
    // A separator no label value of idsrv's contains; values are only joined to find the series again.
    const key = values.join('\u0000');
    let series = this.series.get(key);
    if (!series) {
      const bounds = this.bounds;
      const counts = new Float64Array(bounds.length + 1);
      const created: Series = {
        labels: Object.fromEntries(this.labelNames.map((name, i) => [name, values[i]!])),
        counts,
        sum: 0,
        count: 0,
        observe(value: number) {
          let i = 0;
          while (i < bounds.length && value > bounds[i]!) i++;
          counts[i]! += 1;
          created.sum += value;
          created.count += 1;
        },
      };
      series = created;
      this.series.set(key, series);
    }
    return series;
  }

  /** Records one observation for a label set (looks the series up; prefer a kept `labels()` series on hot paths). */
  observe(labels: Record<L, string | number>, value: number): void {
    this.labels(labels).observe(value);
  }

  /** Forgets every series (prom-client's `Registry.resetMetrics`). */
  reset(): void {
    this.series.clear();
  }

  /** What a prom-client `Registry` formats as text. */
  async getForPromString() {
    const values: ExportedValue[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const series of this.series.values()) {
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += series.counts[i]!;
        values.push({
          labels: { le: bound },
          sharedLabels: series.labels,
          value: cumulative,
          metricName: bucketName,
        });
      });
      values.push(
        { labels: { le: '+Inf' }, sharedLabels: series.labels, value: series.count, metricName: bucketName },
        { labels: {}, sharedLabels: series.labels, value: series.sum, metricName: `${this.name}_sum` },
        { labels: {}, sharedLabels: series.labels, value: series.count, metricName: `${this.name}_count` },
      );
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** prom-client's JSON form (`Registry.getMetricsAsJSON`): each value's labels include the series' labels. */
  async get() {
    const data = await this.getForPromString();
    return {
      ...data,
      values: data.values.map(({ labels, sharedLabels, ...rest }) => ({
        ...rest,
        labels: { ...labels, ...sharedLabels },
      })),
    };
  }
}
