/**
 * Which state records changed (spec/matching.md, "State commitment"): every mutation of a
 * record first names its key here, so the commitment rehashes, and a node persists, only those
 * records. While a journal is open the first touch of each key also keeps the record as it was,
 * which is how a batch is undone in what it changed rather than in the size of the state.
 *
 * Keys are only kept for a reader that exists. Until the commitment is first asked for there is
 * no commitment to bring up to date: it is then computed over every record. Until a node first
 * takes the changed records (or the state is restored from records, which is a store's copy)
 * there is no store: the first take is every record. So an engine used without either (a
 * library, a benchmark) keeps no keys, and one that is asked gets the same answers as if every
 * key had been kept from the start.
 */
export type RecordBytes = Uint8Array | null;

/** The keys owed to the store when a journal opened: a set, every key (no store yet), or none. */
export type StoreAtOpen = ReadonlySet<string> | 'all' | null;

export class Changes {
  /** keys changed since the commitment was last brought up to date; null: no commitment yet */
  private commit: Set<string> | null = null;
  /** keys changed since a node last took them for its store; null: no store yet */
  private store: Set<string> | null = null;
  /** while open: each touched key's record before its first change in the journal (null: absent) */
  private journal: Map<string, RecordBytes> | null = null;
  /** the keys already waiting for the store when the journal opened */
  private storeAtOpen: StoreAtOpen = null;
  /** set while records are written back (import, undo): those writes are not changes to track */
  private muted = false;
  /** whether a touch is kept anywhere: a commitment, a store or a journal exists, and not muted */
  private kept = false;

  /** a record's bytes as the state holds it now (records.ts), for the journal */
  encode: (key: string) => RecordBytes = () => {
    throw new Error('no record encoder');
  };

  /** Names a record about to change. Call it before the change: the journal keeps the old value. */
  touch(key: string): void {
    if (!this.kept) return;
    const j = this.journal;
    if (j !== null && !j.has(key)) j.set(key, this.encode(key));
    this.commit?.add(key);
    this.store?.add(key);
  }

  /** Stops (true) or resumes keeping touches: records written back are not changes. */
  mute(on: boolean): void {
    this.muted = on;
    this.update();
  }

  /** Whether a touch is kept: a caller that must build a key first may skip it when not. */
  get tracking(): boolean {
    return this.kept;
  }

  private update(): void {
    this.kept = !this.muted && (this.commit !== null || this.store !== null || this.journal !== null);
  }

  /**
   * The keys changed since the last call, for the commitment, and forgets them; null on the first
   * call (no commitment existed: it is computed over every record), after which keys are kept.
   */
  takeForCommitment(): Set<string> | null {
    const keys = this.commit;
    this.commit = new Set();
    this.update();
    return keys;
  }

  /**
   * The keys changed since the last call, for a node's store, and forgets them; null on the first
   * call of an engine not restored from records (the store takes every record).
   */
  takeForStore(): Set<string> | null {
    const keys = this.store;
    this.store = new Set();
    this.update();
    return keys;
  }

  /** Keys from here on (the state was just restored from records: they are what a store holds). */
  startStore(): void {
    this.store ??= new Set();
    this.update();
  }

  get journaling(): boolean {
    return this.journal !== null;
  }

  /** Starts keeping the records as they are before their first change. */
  open(alwaysKept: readonly string[]): void {
    this.journal = new Map();
    this.storeAtOpen = this.store === null ? 'all' : new Set(this.store);
    for (const key of alwaysKept) this.journal.set(key, this.encode(key));
    this.update();
  }

  /** Ends the journal and returns it: key → the record before the journal's first change of it. */
  close(): Map<string, RecordBytes> {
    const j = this.journal ?? new Map<string, RecordBytes>();
    this.journal = null;
    this.storeAtOpen = null;
    this.update();
    return j;
  }

  /**
   * After a journal was written back: its keys are as they were, so the store need not hear of
   * them (unless it was owed them already); the commitment must rehash them.
   */
  reverted(keys: Iterable<string>, storeAtOpen: StoreAtOpen): void {
    const commit = this.commit;
    const store = this.store;
    for (const key of keys) {
      commit?.add(key);
      if (store === null) continue;
      // a store that began inside the journal took the batch's records: it must hear of them again
      if (storeAtOpen === 'all') store.add(key);
      else if (storeAtOpen === null || !storeAtOpen.has(key)) store.delete(key);
    }
  }

  /** The store's keys as they were when the journal opened (see {@link reverted}). */
  get storeKeysAtOpen(): StoreAtOpen {
    return this.storeAtOpen;
  }
}
