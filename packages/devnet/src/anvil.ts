/**
 * Starts a local chain with the anvil binary shipped inside the `@foundry-rs/anvil` npm package.
 * The binary itself is spawned (not the package's node wrapper), so `stop()` signals anvil
 * directly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import * as path from 'node:path';

export interface StartAnvilOptions {
  /** TCP port; 0 (the default) takes a free one */
  port?: number;
  /** interface to bind; default 127.0.0.1 */
  host?: string;
  /** `--chain-id`; anvil's default is 31337 */
  chainId?: number;
  /**
   * A block every `blockIntervalMs`, each asked for (`evm_mine`) only once the last one is mined:
   * blocks come as often as the interval and anvil allow, and a transaction is in the next one
   * (see {@link startAnvil}). Default: a block per transaction.
   */
  blockIntervalMs?: number;
  /**
   * anvil's own `--block-time`, in seconds. It queues a block per tick whether or not the last one
   * is mined: where a block takes longer to mine than the interval, the queue and a transaction's
   * wait grow without end. Prefer `blockIntervalMs`.
   */
  blockTime?: number;
  /** further anvil arguments, passed as is */
  args?: readonly string[];
  /** how long to wait for anvil to listen; default 15 s */
  timeoutMs?: number;
  /** an anvil binary to run instead of the packaged one (also `KESTREL_ANVIL_BIN`) */
  binary?: string;
  /** a file anvil's log is appended to (every request and block); default: anvil runs `--quiet` */
  logFile?: string;
}

export interface AnvilInstance {
  /** JSON-RPC endpoint, e.g. `http://127.0.0.1:34567` */
  url: string;
  port: number;
  host: string;
  /** the anvil process id */
  pid: number;
  /** With `blockIntervalMs`: stops and restarts the block clock (a chain that mines nothing meanwhile). */
  blocks?: { pause(): void; resume(): void };
  /** Stops anvil (SIGTERM, then SIGKILL after 5 s) and resolves once it has exited. */
  stop(): Promise<void>;
}

const PLATFORM_PACKAGES: Record<string, string | undefined> = {
  'linux-x64': '@foundry-rs/anvil-linux-amd64',
  'linux-arm64': '@foundry-rs/anvil-linux-arm64',
  'darwin-x64': '@foundry-rs/anvil-darwin-amd64',
  'darwin-arm64': '@foundry-rs/anvil-darwin-arm64',
  'win32-x64': '@foundry-rs/anvil-win32-amd64',
};

/**
 * Path of the anvil executable: `KESTREL_ANVIL_BIN`, else the platform package that
 * `@foundry-rs/anvil` installs as an optional dependency, else `anvil` on the PATH.
 */
export function anvilBinaryPath(): string {
  const fromEnv = process.env.KESTREL_ANVIL_BIN;
  if (fromEnv) return fromEnv;
  const exe = process.platform === 'win32' ? 'anvil.exe' : 'anvil';
  const pkg = PLATFORM_PACKAGES[`${process.platform}-${process.arch}`];
  if (pkg) {
    const here = createRequire(import.meta.url);
    const resolvers = [here];
    try {
      // resolve as the wrapper package does, from its own location
      resolvers.unshift(createRequire(here.resolve('@foundry-rs/anvil/package.json')));
    } catch {
      // wrapper not installed: try from here only
    }
    for (const req of resolvers) {
      try {
        const candidate = req.resolve(`${pkg}/bin/${exe}`);
        if (existsSync(candidate)) return candidate;
      } catch {
        // try the next resolver
      }
    }
    try {
      const wrapperDir = path.dirname(here.resolve('@foundry-rs/anvil/package.json'));
      const dist = path.join(wrapperDir, 'dist', exe);
      if (existsSync(dist)) return dist;
    } catch {
      // fall through to PATH
    }
  }
  return exe;
}

/** Asks the OS for a free TCP port on `host`. */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Whether `child` itself listens on `port`. On Linux, read from /proc: a listening TCP socket on
 * that port whose inode is one of the child's descriptors. Elsewhere, that it is still running a
 * second after it started (an anvil that cannot bind exits at once).
 */
async function listensOn(child: ChildProcess, port: number, exited: () => boolean): Promise<boolean> {
  if (process.platform === 'linux' && child.pid !== undefined) {
    try {
      const inodes = new Set<string>();
      for (const fd of readdirSync(`/proc/${child.pid}/fd`)) {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSafe(`/proc/${child.pid}/fd/${fd}`));
        if (m) inodes.add(m[1]!);
      }
      const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
      for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
        if (!existsSync(table)) continue;
        for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
          const cols = line.trim().split(/\s+/);
          // local_address is ADDR:PORT in hex; st 0A is LISTEN; the inode is the tenth column
          if (cols[1]?.endsWith(`:${hexPort}`) && cols[3] === '0A' && inodes.has(cols[9] ?? '')) return true;
        }
      }
      return false;
    } catch {
      // no /proc to read: judge by time, below
    }
  }
  await new Promise((r) => setTimeout(r, 1_000));
  return !exited();
}

function readlinkSafe(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

/** Whether anvil answers JSON-RPC at `url`. */
async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(1_000),
    });
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * Spawns anvil on `host:port` (port 0 = a free port chosen here) and resolves once it answers
 * JSON-RPC.
 *
 * anvil prints a line for every request and every block (~16 KB a second at a block every 10 ms).
 * It is run `--quiet`, or with its output going straight to `logFile`: printing into a pipe that
 * this process must drain stops anvil altogether, RPC included, whenever this process's event
 * loop is busy for the few seconds the pipe holds.
 *
 * @example
 * ```ts
 * const anvil = await startAnvil();
 * const client = createPublicClient({ chain: foundry, transport: http(anvil.url) });
 * // …
 * await anvil.stop();
 * ```
 */
export async function startAnvil(options: StartAnvilOptions = {}): Promise<AnvilInstance> {
  const host = options.host ?? '127.0.0.1';
  // a port picked here can be taken by another process before anvil binds it: pick again
  for (let attempt = 1; ; attempt++) {
    const port = options.port || (await freePort(host));
    try {
      return await spawnAnvil(options, host, port);
    } catch (err) {
      if (options.port || attempt >= 3 || !(err instanceof Error) || !/Address already in use/.test(err.message)) throw err;
    }
  }
}

function spawnAnvil(options: StartAnvilOptions, host: string, port: number): Promise<AnvilInstance> {
  const args = ['--host', host, '--port', String(port)];
  if (options.chainId !== undefined) args.push('--chain-id', String(options.chainId));
  if (options.blockTime !== undefined) args.push('--block-time', String(options.blockTime));
  if (options.blockIntervalMs !== undefined) {
    if (!Number.isInteger(options.blockIntervalMs) || options.blockIntervalMs < 1)
      throw new Error(`blockIntervalMs must be a whole number of ms ≥ 1, not ${options.blockIntervalMs}`);
    if (options.blockTime !== undefined) throw new Error('give blockIntervalMs or blockTime, not both');
    args.push('--no-mining');
  }
  if (options.logFile === undefined) args.push('--quiet');
  if (options.args) args.push(...options.args);
  const binary = options.binary ?? anvilBinaryPath();
  const timeoutMs = options.timeoutMs ?? 15_000;

  const logFd = options.logFile === undefined ? undefined : openSync(options.logFile, 'a');
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', logFd ?? 'ignore', logFd ?? 'pipe'] });
  if (logFd !== undefined) closeSync(logFd);
  // quiet, anvil writes only its errors here; the last lines go into error messages
  const tail: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim()) tail.push(line);
    }
    if (tail.length > 40) tail.splice(0, tail.length - 40);
  });
  const reason = (): string => (options.logFile === undefined ? tail.join('\n') : `see ${options.logFile}`);

  let exited = child.exitCode !== null || child.signalCode !== null;
  const exit = new Promise<void>((resolve) => {
    if (exited) resolve();
    else
      child.once('exit', () => {
        exited = true;
        resolve();
      });
  });
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  let clock: Worker | undefined;
  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    await clock?.terminate();
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exit;
      clearTimeout(timer);
    }
  };

  const urlHost = host === '0.0.0.0' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}`;
  return new Promise<AnvilInstance>((resolve, reject) => {
    let spawnError: Error | undefined;
    child.once('error', (err) => {
      spawnError = err;
    });
    const deadline = Date.now() + timeoutMs;
    const poll = async (): Promise<void> => {
      for (;;) {
        if (spawnError) throw new Error(`cannot run anvil (${binary}): ${spawnError.message}`);
        if (exited) {
          // let the pipe hand over anvil's last words before they are quoted
          await new Promise((r) => setTimeout(r, 50));
          throw new Error(`anvil exited (${child.signalCode ?? `code ${child.exitCode}`}) before listening:\n${reason()}`);
        }
        // whatever answers must be this anvil: the port may be held by another process (a port
        // picked here and let go before anvil bound it, or one the caller named), and then this
        // anvil fails to bind and exits while the other answers
        if ((await answers(url)) && (await listensOn(child, port, () => exited))) return;
        if (Date.now() > deadline) throw new Error(`anvil did not start within ${timeoutMs} ms:\n${reason()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    poll().then(
      () => {
        if (options.blockIntervalMs === undefined) return resolve({ url, port, host, pid: child.pid ?? -1, stop });
        clock = startBlockClock(url, options.blockIntervalMs);
        const c = clock;
        resolve({ url, port, host, pid: child.pid ?? -1, stop, blocks: { pause: () => c.postMessage('pause'), resume: () => c.postMessage('resume') } });
      },
      (err: Error) => {
        void stop().finally(() => reject(err));
      },
    );
  });
}

/**
 * The block clock behind `blockIntervalMs`, on a thread of its own so that a busy event loop here
 * does not hold the chain up: it asks anvil for a block, waits for it, and asks for the next one
 * `intervalMs` after it asked for the last (at once if mining took longer). anvil's own interval
 * miner instead queues a block every tick: on a loaded machine, or with a state large enough that
 * mining an empty block takes longer than the tick (anvil hashes the whole state for every block),
 * the queue grows without end and a transaction waits behind every block queued before it —
 * minutes, after a few minutes at 10 ms.
 */
function startBlockClock(url: string, intervalMs: number): Worker {
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { url, intervalMs } = workerData;
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'evm_mine', params: [] });
    let paused = false;
    parentPort.on('message', (m) => { paused = m === 'pause'; });
    (async () => {
      for (;;) {
        const asked = Date.now();
        if (!paused) {
          try {
            await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
          } catch {
            // anvil busy or gone: the next tick asks again
          }
        }
        await new Promise((r) => setTimeout(r, Math.max(0, asked + intervalMs - Date.now())));
      }
    })();`;
  const worker = new Worker(source, { eval: true, workerData: { url, intervalMs } });
  worker.unref();
  return worker;
}
