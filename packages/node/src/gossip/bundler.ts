/**
 * Gossips a node's admitted inputs in bundles: what was admitted within `lingerMs` of the
 * bundle's first input (or, at 0, in one turn of the event loop) goes out as one message
 * (spec/node.md, Gossip). Each gossip message costs both ends far more than its bytes — a message
 * id, gossipsub's caches, a muxer frame, an encryption and a socket write per peer — so one bundle
 * of 50 inputs costs about what one input did. A few milliseconds of lingering turn a steady
 * stream of single orders into bundles, at a small part of a batch interval.
 */
import { encodeInputBundle, MAX_GOSSIP_BUNDLE } from './codec.js';

export interface BundlerInit {
  /** sends one encoded bundle */
  publish: (data: Uint8Array) => Promise<void>;
  /** largest payload to send; a bundle is cut before it would pass this */
  maxBytes: number;
  /** inputs per bundle at most (MAX_GOSSIP_BUNDLE) */
  maxInputs?: number;
  /** how long a bundle waits for more inputs after its first, ms (0: until the end of the turn) */
  lingerMs?: number;
}

interface Open {
  inputs: string[];
  bytes: number;
  done: Promise<void>;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class InputBundler {
  private open: Open | null = null;
  private readonly maxInputs: number;

  constructor(private readonly init: BundlerInit) {
    this.maxInputs = Math.min(init.maxInputs ?? MAX_GOSSIP_BUNDLE, MAX_GOSSIP_BUNDLE);
  }

  /**
   * Adds one serialized input (JSON of its wire shape) to the bundle of this turn; resolves when
   * that bundle was published, rejects if publishing it failed.
   */
  add(inputJson: string): Promise<void> {
    // the header (3 bytes), the brackets and a comma per input, in UTF-8 at most 3 bytes a unit
    const bytes = Buffer.byteLength(inputJson) + 1;
    if (this.open && this.open.bytes + bytes + 4 > this.init.maxBytes) this.flush();
    const open = this.open ?? this.start();
    open.inputs.push(inputJson);
    open.bytes += bytes;
    // a full bundle does not wait for its linger
    if (open.inputs.length >= this.maxInputs) this.flush();
    return open.done;
  }

  private start(): Open {
    let resolve!: () => void;
    let reject!: (err: Error) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const open: Open = { inputs: [], bytes: 0, done, resolve, reject };
    this.open = open;
    // everything admitted by the requests and messages handled until then
    const due = (): void => {
      if (this.open === open) this.flush();
    };
    const linger = this.init.lingerMs ?? 0;
    if (linger > 0) setTimeout(due, linger).unref();
    else setImmediate(due);
    return open;
  }

  private flush(): void {
    const open = this.open;
    this.open = null;
    if (!open || open.inputs.length === 0) return;
    this.init.publish(encodeInputBundle(open.inputs)).then(open.resolve, open.reject);
  }
}
