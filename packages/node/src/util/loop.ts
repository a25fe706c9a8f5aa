/**
 * Runs `step` again `intervalMs` after each run ends (never overlapping), until stopped; a step
 * that throws is reported and the loop goes on.
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
      try {
        await this.step();
      } catch (err) {
        this.onError(err as Error);
      }
      if (!this.stopped) this.timer = setTimeout(() => (this.current = run()), this.intervalMs);
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
