/**
 * A node's metrics in the Prometheus text format (`GET /metrics`): counters only grow, gauges are
 * read when scraped, histograms count durations into buckets. Each node has its own registry, not
 * prom-client's global one: tests run several nodes in one process.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Work done in this process (admission, building a batch): a tenth of a millisecond to ten seconds. */
export const LOCAL_SECONDS_BUCKETS: readonly number[] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

/** A call to the chain's RPC or a wait for a block: a millisecond (anvil) to two minutes (a congested chain). */
export const CHAIN_SECONDS_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/**
 * Label values in the order of their sorted names, whatever order the caller wrote them in: a
 * series prints its labels as stored, and scripts and tests read `{code=…,source=…,verdict=…}`.
 */
function sortedLabels<L extends string>(names: readonly L[], values: Record<L, string>): Record<L, string> {
  const out = {} as Record<L, string>;
  for (const name of names) out[name] = values[name];
  return out;
}

export class Metrics {
  readonly registry = new Registry();

  /** the Content-Type of {@link render}'s text */
  get contentType(): string {
    return this.registry.contentType;
  }

  counter(name: string, help: string): (by?: number) => void {
    const c = new Counter({ name, help, registers: [this.registry] });
    return (by = 1) => c.inc(by);
  }

  /**
   * A counter with labels, one series per label set seen (the label values are this node's own
   * words — sources, verdicts, error codes — never a peer's or a client's, so the series are few).
   */
  labeledCounter<L extends string>(name: string, help: string, labelNames: readonly L[]): (labels: Record<L, string>, by?: number) => void {
    const names = [...labelNames].sort();
    const c = new Counter<L>({ name, help, labelNames: names, registers: [this.registry] });
    return (labels, by = 1) => c.inc(sortedLabels(names, labels), by);
  }

  gauge(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  /** A histogram of durations in seconds. */
  histogram(name: string, help: string, buckets: readonly number[]): (seconds: number) => void {
    const h = new Histogram({ name, help, buckets: [...buckets], registers: [this.registry] });
    return (seconds) => h.observe(seconds);
  }

  /** A histogram of durations in seconds, one series per label set seen (this node's own words, as for labeledCounter). */
  labeledHistogram<L extends string>(
    name: string,
    help: string,
    buckets: readonly number[],
    labelNames: readonly L[],
  ): (labels: Record<L, string>, seconds: number) => void {
    const names = [...labelNames].sort();
    const h = new Histogram<L>({ name, help, buckets: [...buckets], labelNames: names, registers: [this.registry] });
    return (labels, seconds) => h.observe(sortedLabels(names, labels), seconds);
  }

  /** Every metric, as Prometheus text ({@link contentType}). */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}
