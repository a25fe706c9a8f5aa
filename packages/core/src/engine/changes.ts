/**
 * Which state records changed (spec/matching.md, "State commitment"): every mutation of a
 * record first names its key here, so the commitment rehashes, and a node persists, only those
 * records. While a journal is open the first touch of each key also keeps the record as it was,
 * which is how a batch is undone in what it changed rather than in the size of the state.
 */
export type RecordBytes = Uint8Array | null;

export class Changes {
  /** keys changed since the commitment was last brought up to date */
  readonly forCommitment = new Set<string>();
  /** keys changed since a node last took them for its store */
  readonly forStore = new Set<string>();
  /** while open: each touched key's record before its first change in the journal (null: absent) */
  private journal: Map<string, RecordBytes> | null = null;
  /** the keys already waiting for the store when the journal opened */
  private storeAtOpen: Set<string> | null = null;
  /** set while records are written back (import, undo): those writes are not changes to track */
  muted = false;

  /** a record's bytes as the state holds it now (records.ts), for the journal */
  encode: (key: string) => RecordBytes = () => {
    throw new Error('no record encoder');
  };

  /** Names a record about to change. Call it before the change: the journal keeps the old value. */
  touch(key: string): void {
    if (this.muted) return;
    const j = this.journal;
    if (j !== null && !j.has(key)) j.set(key, this.encode(key));
    this.forCommitment.add(key);
    this.forStore.add(key);
  }

  get journaling(): boolean {
    return this.journal !== null;
  }

  /** Starts keeping the records as they are before their first change. */
  open(alwaysKept: readonly string[]): void {
    this.journal = new Map();
    this.storeAtOpen = new Set(this.forStore);
    for (const key of alwaysKept) this.journal.set(key, this.encode(key));
  }

  /** Ends the journal and returns it: key → the record before the journal's first change of it. */
  close(): Map<string, RecordBytes> {
    const j = this.journal ?? new Map<string, RecordBytes>();
    this.journal = null;
    this.storeAtOpen = null;
    return j;
  }

  /**
   * After a journal was written back: its keys are as they were, so the store need not hear of
   * them (unless it was owed them already); the commitment must rehash them.
   */
  reverted(keys: Iterable<string>, storeAtOpen: ReadonlySet<string> | null): void {
    for (const key of keys) {
      this.forCommitment.add(key);
      if (storeAtOpen === null || !storeAtOpen.has(key)) this.forStore.delete(key);
    }
  }

  /** The store's keys as they were when the journal opened (see {@link reverted}). */
  get storeKeysAtOpen(): ReadonlySet<string> | null {
    return this.storeAtOpen;
  }
}
