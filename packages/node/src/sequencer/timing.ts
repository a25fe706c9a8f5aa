/**
 * The stages of a batch the node times for its latency histograms (metrics), on the monotonic
 * clock: a wall clock stepped by NTP would record a negative or an hour-long stage.
 */
import type { SendObserver } from '../chain/send-tx.js';

/**
 * build (the engine, the state commitment and the settlement arguments, per build); simulation
 * (the chain's run of the settlement, per build); submission (from sending the settlement to the
 * RPC taking its transaction); receipt (from then to the transaction's receipt).
 */
export type BatchStage = 'build' | 'simulation' | 'submission' | 'receipt';

/** Told how long a stage took, in seconds. */
export type StageObserver = (stage: BatchStage, seconds: number) => void;

/** Times one settlement's send: its submission, then its receipt. */
export function sendTimer(observe: StageObserver | undefined): SendObserver | undefined {
  if (observe === undefined) return undefined;
  const start = performance.now();
  let sentAt = start;
  return {
    sent: () => {
      sentAt = performance.now();
      observe('submission', (sentAt - start) / 1000);
    },
    mined: () => observe('receipt', (performance.now() - sentAt) / 1000),
  };
}
