/**
 * Runs `step` every `intervalMs`, counted from the start of each run (a batch interval is the
 * time between batches, not a pause after each), never overlapping: a run that took longer than
 * the interval is followed at once. Until stopped; a step that throws is reported and the loop
 * goes on.
 */
export class Loop {
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly step: () => Promise<void>,
    private readonly intervalMs: number,
    private readonly onError: (err: Error) => void,
  ) {}

  start(): void {
    const run = async (): Promise<void> => {
      if (this.stopped) return;
      const started = Date.now();
      try {
        await this.step();
      } catch (err) {
        this.onError(err as Error);
      }
      const wait = Math.max(0, this.intervalMs - (Date.now() - started));
      if (!this.stopped) this.timer = setTimeout(() => (this.current = run()), wait);
    };
    this.current = run();
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Stops the loop and waits for a running step to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.current;
  }
}
