/**
 * The one way into the mempool, for an input from any source: a client (`api`), a peer's gossip
 * (`gossip`), a peer's relay request (`relay`) or this node's own disk after a restart (`disk`).
 * The cheap checks against the current state come first — a duplicate, the common case in a
 * gossip mesh, costs no signature check — then the signature (not for `disk`: this node wrote
 * it after verifying it), then the checks again (the state may have moved meanwhile), then the
 * ledger. A refusal is a KestrelError with a stable code; `verdictOf` turns it into a gossip
 * verdict, the API into an HTTP status.
 */
import { decodeInput } from '@kestrel/api';
import { ErrorCode, isSigned, KestrelError, MAX_PLAN_MARKETS, MAX_PLAN_SLIPPAGE_BPS, type Hex, type RiskPlan, type SignedInput } from '@kestrel/core';
import { assertSigned } from './signature.js';
import type { Ledger } from '../store/ledger.js';
import { CANCEL_WINDOW_SECONDS } from '../store/records.js';
import type { MempoolEntry } from '../mempool/mempool.js';
import { verdictOf, type Verdict } from './verdict.js';

export type Source = 'api' | 'gossip' | 'relay' | 'disk';

/** The state an order's engine checks passed on: its engine, that engine's version, and the time judged at. */
interface Judged {
  engine: Ledger['engine'];
  version: number;
  now: bigint;
}

export interface AdmissionDeps {
  ledger: Ledger;
  /** the listed market ids (a plan may name only these) */
  marketIds: readonly number[];
  /** recovers the signer of a digest (off the event loop where it can) */
  recover: (digest: Hex, signature: Hex) => Promise<string | null>;
  /** unix seconds: the time a new input's batch will carry */
  nowSeconds: () => bigint;
  /**
   * told of every refusal, with its source, the verdict its code carries, the code and the
   * input's digest where it decoded (metrics and the debug log)
   */
  onRefused?: (source: Source, verdict: Verdict, code: string, hash?: Hex) => void;
  /** told how long each input took from reaching admission to its verdict, in seconds (metrics) */
  observe?: (source: Source, seconds: number) => void;
}

export class Admission {
  constructor(private readonly d: AdmissionDeps) {}

  /**
   * What this node's mempool holds, by signature: a gossiped copy of an input held already (the
   * common case in a mesh) takes its digest and is refused as a duplicate without being hashed.
   */
  private readonly held = (signature: Hex): SignedInput | undefined => this.d.ledger.mempool.bySignature(signature);

  /**
   * Admits a signed input, or throws its refusal. `seq` restores the arrival place of an input
   * read back from disk.
   */
  async admit(input: SignedInput, source: Source, seq?: bigint): Promise<void> {
    const start = performance.now();
    try {
      const judged = this.precheck(input);
      if (source !== 'disk') {
        const signer = await this.d.recover(input.hash, input.signature);
        assertSigned(input, signer, (s, k) => this.d.ledger.engine.canSign(s, k));
        this.precheck(input, judged);
      }
      await this.d.ledger.admit(input, seq);
    } catch (err) {
      this.refused(source, err, input.hash);
      throw err;
    } finally {
      this.timed(source, start);
    }
  }

  /** Reports an input's time in admission, from `start` (performance.now, monotonic) to its verdict now. */
  private timed(source: Source, start: number): undefined {
    this.d.observe?.(source, (performance.now() - start) / 1000);
  }

  /**
   * Admits several inputs of one client request, as `admit` would one after the other, but with
   * their signatures recovered together (the pool's workers run them in parallel): each input is
   * checked and enters the mempool in the order given, so an input can be refused as a duplicate
   * of one before it. Resolves, per input, to undefined (admitted) or its refusal.
   */
  async admitAll(inputs: readonly SignedInput[], source: Exclude<Source, 'disk'>): Promise<Array<Error | undefined>> {
    const start = performance.now();
    // each settles to its signer or its refusal: none is left rejected while an earlier one is awaited
    const judged: Array<Judged | undefined> = [];
    const signers = inputs.map((input, i) =>
      (async () => {
        judged[i] = this.precheck(input);
        return this.d.recover(input.hash, input.signature);
      })().then(
        (signer) => ({ signer }),
        (err: unknown) => ({ err: err as Error }),
      ),
    );
    const outcomes: Array<Promise<Error | undefined>> = [];
    for (const [i, input] of inputs.entries()) {
      const recovered = await signers[i]!;
      try {
        if ('err' in recovered) throw recovered.err;
        assertSigned(input, recovered.signer, (s, k) => this.d.ledger.engine.canSign(s, k));
        this.precheck(input, judged[i]);
        // into the mempool now, in order; the disk writes go together
        outcomes.push(
          this.d.ledger.admit(input).then(
            () => this.timed(source, start),
            (err: unknown) => {
              this.timed(source, start);
              return this.refusal(source, err, input.hash);
            },
          ),
        );
      } catch (err) {
        this.timed(source, start);
        outcomes.push(Promise.resolve(this.refusal(source, err, input.hash)));
      }
    }
    return Promise.all(outcomes);
  }

  private refusal(source: Source, err: unknown, hash: Hex): Error {
    this.refused(source, err, hash);
    return err as Error;
  }

  private refused(source: Source, err: unknown, hash?: Hex): void {
    const code = err instanceof KestrelError ? err.code : ErrorCode.INTERNAL;
    this.d.onRefused?.(source, verdictOf(err), code, hash);
  }

  /** A peer's gossiped input, decoded and admitted: the verdict for the peer. */
  async admitGossip(body: unknown): Promise<Verdict> {
    try {
      let input: SignedInput;
      try {
        const decoded = decodeInput(this.d.ledger.domainSep, body, this.held);
        // only a sequencer drops or takes protocol steps, inside a proposal
        if (!isSigned(decoded)) throw new KestrelError(ErrorCode.MALFORMED, 'input: a protocol step is not gossiped alone', { field: 'type' });
        input = decoded;
      } catch (err) {
        this.refused('gossip', err); // admit counts its own refusals; these never reach it
        throw err;
      }
      await this.admit(input, 'gossip');
      return 'ACCEPT';
    } catch (err) {
      return verdictOf(err);
    }
  }

  /**
   * A peer's bundle of gossiped inputs (spec/node.md, Gossip), each admitted as `admitAll` does.
   * The bundle's verdict: REJECT if any input in it is provably bad (an honest node bundles only
   * inputs it admitted), ACCEPT if this node admitted any (its peers may lack them), else IGNORE.
   */
  async admitGossipBundle(bodies: readonly unknown[]): Promise<{ verdict: Verdict; admitted: number }> {
    const inputs: SignedInput[] = [];
    for (const body of bodies) {
      try {
        const decoded = decodeInput(this.d.ledger.domainSep, body, this.held);
        if (!isSigned(decoded)) throw new KestrelError(ErrorCode.MALFORMED, 'input: a protocol step is not gossiped alone', { field: 'type' });
        inputs.push(decoded);
      } catch (err) {
        this.refused('gossip', err);
        return { verdict: verdictOf(err), admitted: 0 };
      }
    }
    const outcomes = await this.admitAll(inputs, 'gossip');
    const admitted = outcomes.filter((e) => e === undefined).length;
    const verdict = outcomes.some((e) => e !== undefined && verdictOf(e) === 'REJECT') ? 'REJECT' : admitted > 0 ? 'ACCEPT' : 'IGNORE';
    return { verdict, admitted };
  }

  /** Puts the mempool this node had on disk back through admission: what no longer passes is dropped. */
  async restore(): Promise<{ restored: number; dropped: number }> {
    let restored = 0;
    const dropped: MempoolEntry[] = [];
    for (const entry of await this.d.ledger.storedMempool()) {
      try {
        await this.admit(entry.input, 'disk', entry.seq);
        restored++;
      } catch (err) {
        // expired, sequenced or replaced while the node was down: the refusal is why it goes
        if (!(err instanceof KestrelError)) throw err;
        dropped.push(entry);
      }
    }
    await this.d.ledger.discardStored(dropped);
    return { restored, dropped: dropped.length };
  }

  /**
   * The checks against the current state, without the signature; throws the refusal. An order's
   * engine checks, and whether a batch sequenced it, are skipped when `passed` says they passed on
   * this very state at this very time (the same engine, unchanged since, and the same second): the
   * checks again after recovery then cost only the mempool and refusal lookups. Returns what it
   * judged, for such a later call.
   */
  precheck(input: SignedInput, passed?: Judged): Judged | undefined {
    const { ledger } = this.d;
    const now = this.d.nowSeconds();
    if (input.type === 'riskPlan') {
      this.precheckPlan(input.plan, input.hash);
      return undefined;
    }
    if (input.type !== 'order') {
      const ts = input.type === 'cancel' ? input.cancel.timestamp : input.cancelAll.timestamp;
      if (ts + CANCEL_WINDOW_SECONDS < now || ts > now + CANCEL_WINDOW_SECONDS) {
        throw new KestrelError(ErrorCode.STALE_CANCEL, `cancel timestamp must be within ${CANCEL_WINDOW_SECONDS} s of now`, {
          timestamp: ts.toString(),
          now: now.toString(),
        });
      }
      if (ledger.cancelSeen(input.hash)) throw new KestrelError(ErrorCode.DUPLICATE_CANCEL, 'cancel already submitted', { digest: input.hash });
      return undefined;
    }
    const engine = ledger.engine;
    // an order sequenced since `passed` came with a batch, which moved the engine's version
    const unchanged = passed !== undefined && passed.engine === engine && passed.version === engine.version && passed.now === now;
    if ((!unchanged && ledger.isSequenced(input.hash)) || ledger.mempool.has(input.hash) || ledger.rejectCode(input.hash) !== undefined) {
      throw new KestrelError(ErrorCode.DUPLICATE_ORDER, 'order already submitted', { orderHash: input.hash });
    }
    if (unchanged) return passed;
    // judged at this machine's clock — the time its batch will carry — not at the last batch's: an
    // exchange may have been idle for hours, and an IOC's short expiry runs from its batch
    const code = engine.validate(input.order, input.hash, now);
    if (code) throw new KestrelError(code, `order refused: ${code}`, { orderHash: input.hash });
    return { engine, version: engine.version, now };
  }

  /** A plan the engine would store: known markets, each once, a slippage in range, a nonce above the last. */
  private precheckPlan(plan: RiskPlan, hash: Hex): void {
    const ids = plan.marketOrder;
    const listed = (id: number): boolean => this.d.marketIds.includes(id);
    if (ids.length > MAX_PLAN_MARKETS || new Set(ids).size !== ids.length || !ids.every(listed) || plan.maxSlippageBps > MAX_PLAN_SLIPPAGE_BPS) {
      throw new KestrelError(
        ErrorCode.INVALID_PLAN,
        `a plan names at most ${MAX_PLAN_MARKETS} listed markets, each once, and a slippage of at most ${MAX_PLAN_SLIPPAGE_BPS} bps`,
        { planHash: hash },
      );
    }
    const current = this.d.ledger.engine.riskPlan(plan.subaccount);
    if ((current !== undefined && plan.nonce <= current.nonce) || this.d.ledger.mempool.has(hash)) {
      throw new KestrelError(ErrorCode.NONCE_USED, 'a plan with a higher nonce replaces the last one', {
        planHash: hash,
        current: current?.nonce.toString() ?? null,
      });
    }
  }
}
