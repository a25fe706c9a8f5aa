/**
 * Counters and gauges in the Prometheus text format (`GET /metrics`). Counters only grow;
 * gauges are read when scraped.
 */
export class Metrics {
  private readonly counters = new Map<string, { help: string; value: number }>();
  private readonly labeled = new Map<string, { help: string; values: Map<string, number> }>();
  private readonly gauges = new Map<string, { help: string; read: () => number }>();

  counter(name: string, help: string): (by?: number) => void {
    const c = { help, value: 0 };
    this.counters.set(name, c);
    return (by = 1) => {
      c.value += by;
    };
  }

  /**
   * A counter with labels, one series per label set seen (the label values are this node's own
   * words — sources, verdicts, error codes — never a peer's or a client's, so the series are few).
   */
  labeledCounter<L extends string>(name: string, help: string): (labels: Record<L, string>, by?: number) => void {
    const c = { help, values: new Map<string, number>() };
    this.labeled.set(name, c);
    return (labels, by = 1) => {
      const key = Object.entries(labels)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => `${k}="${String(v).replace(/["\\\n]/g, '_')}"`)
        .join(',');
      c.values.set(key, (c.values.get(key) ?? 0) + by);
    };
  }

  gauge(name: string, help: string, read: () => number): void {
    this.gauges.set(name, { help, read });
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, c] of [...this.counters].sort(([a], [b]) => (a < b ? -1 : 1))) {
      lines.push(`# HELP ${name} ${c.help}`, `# TYPE ${name} counter`, `${name} ${c.value}`);
    }
    for (const [name, c] of [...this.labeled].sort(([a], [b]) => (a < b ? -1 : 1))) {
      lines.push(`# HELP ${name} ${c.help}`, `# TYPE ${name} counter`);
      for (const [key, value] of [...c.values].sort(([a], [b]) => (a < b ? -1 : 1))) lines.push(`${name}{${key}} ${value}`);
    }
    for (const [name, g] of [...this.gauges].sort(([a], [b]) => (a < b ? -1 : 1))) {
      lines.push(`# HELP ${name} ${g.help}`, `# TYPE ${name} gauge`, `${name} ${g.read()}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
