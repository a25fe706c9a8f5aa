/**
 * Starts a local chain with the anvil binary shipped inside the `@foundry-rs/anvil` npm package.
 * The binary itself is spawned (not the package's node wrapper), so `stop()` signals anvil
 * directly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

export interface StartAnvilOptions {
  /** TCP port; 0 (the default) lets the OS pick a free one */
  port?: number;
  /** interface to bind; default 127.0.0.1 */
  host?: string;
  /** `--chain-id`; anvil's default is 31337 */
  chainId?: number;
  /** `--block-time` in seconds; default automine (a block per transaction) */
  blockTime?: number;
  /** further anvil arguments, passed as is */
  args?: readonly string[];
  /** how long to wait for anvil to listen; default 15 s */
  timeoutMs?: number;
  /** an anvil binary to run instead of the packaged one (also `KESTREL_ANVIL_BIN`) */
  binary?: string;
}

export interface AnvilInstance {
  /** JSON-RPC endpoint, e.g. `http://127.0.0.1:34567` */
  url: string;
  port: number;
  host: string;
  /** the anvil process id */
  pid: number;
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

const LISTENING = /Listening on ([0-9a-fA-F.:[\]]+):(\d+)/;

/**
 * Spawns anvil on `host:port` (port 0 = any free port) and resolves when it prints
 * `Listening on <host>:<port>`.
 *
 * @example
 * ```ts
 * const anvil = await startAnvil();
 * const client = createPublicClient({ chain: foundry, transport: http(anvil.url) });
 * // …
 * await anvil.stop();
 * ```
 */
export function startAnvil(options: StartAnvilOptions = {}): Promise<AnvilInstance> {
  const host = options.host ?? '127.0.0.1';
  const args = ['--host', host, '--port', String(options.port ?? 0)];
  if (options.chainId !== undefined) args.push('--chain-id', String(options.chainId));
  if (options.blockTime !== undefined) args.push('--block-time', String(options.blockTime));
  if (options.args) args.push(...options.args);
  const binary = options.binary ?? anvilBinaryPath();
  const timeoutMs = options.timeoutMs ?? 15_000;

  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // Keep the last lines for error messages; anvil logs every request, so the pipes must be drained.
  const tail: string[] = [];
  const remember = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim()) tail.push(line);
    }
    if (tail.length > 40) tail.splice(0, tail.length - 40);
  };
  child.stderr?.on('data', remember);

  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
  };

  return new Promise<AnvilInstance>((resolve, reject) => {
    let buffered = '';
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void stop().finally(() => reject(err));
    };
    const timer = setTimeout(() => fail(new Error(`anvil did not start within ${timeoutMs} ms:\n${tail.join('\n')}`)), timeoutMs);
    child.once('error', (err) => fail(new Error(`cannot run anvil (${binary}): ${err.message}`)));
    child.once('exit', (code, signal) => {
      fail(new Error(`anvil exited (${signal ?? `code ${code}`}) before listening:\n${tail.join('\n')}`));
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      remember(chunk);
      if (settled) return;
      buffered += chunk.toString('utf8');
      const m = LISTENING.exec(buffered);
      if (!m) {
        if (buffered.length > 64 * 1024) buffered = buffered.slice(-1024);
        return;
      }
      settled = true;
      clearTimeout(timer);
      buffered = '';
      const port = Number(m[2]);
      const urlHost = host === '0.0.0.0' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
      resolve({ url: `http://${urlHost}:${port}`, port, host, pid: child.pid ?? -1, stop });
    });
  });
}
