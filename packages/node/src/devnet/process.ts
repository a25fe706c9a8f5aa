/** Runs a `kestrel start` child process and waits for its ready line. */
import { spawn, type ChildProcess } from 'node:child_process';
import { ErrorCode, KestrelError } from '@kestrel/core';
import { closeSync, openSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const KESTREL_BIN = fileURLToPath(new URL('../../dist/bin/kestrel.js', import.meta.url));

export interface NodeProcess {
  name: string;
  api: string;
  p2p: string[];
  peerId: string;
  child: ChildProcess;
  /** resolves when the process has exited */
  exited: Promise<number | null>;
}

/**
 * The V8 flags a node runs with (guide/node.md, Running). A young generation of 2 × 32 MiB
 * semi-spaces instead of V8's 2 × 16: under load a node allocates per request and per gossip
 * message, and what is still alive at a scavenge — an input waiting a batch or two in the
 * mempool — is copied, then promoted; with twice the room most of it dies first. Measured on the
 * 2-node devnet at 200 crossing pairs/s: POST p99 81.7 → 55.6 ms, GET book p99 35.3 → 25.3 ms
 * (BENCHMARKS.md). Settable only at start, not from inside the process.
 */
export const NODE_V8_FLAGS = ['--max-semi-space-size=32'] as const;

/** Spawns a node with `kestrel start --config <file>` (and `env` over this process's); logs go to `logFile`. */
export function spawnNode(name: string, configFile: string, logFile: string, timeoutMs = 30_000, env: Record<string, string> = {}): Promise<NodeProcess> {
  return spawnReady(name, [...NODE_V8_FLAGS, KESTREL_BIN, 'start', '--config', configFile], logFile, timeoutMs, env);
}

/**
 * Runs `node <argv>` and resolves at the JSON line `{ready: true, api, p2p, peerId}` it prints on
 * stdout. Its stderr (the node's log) goes straight to `logFile`, not through this process: a
 * node writes its log synchronously, and into a pipe this process drains it would stop whenever
 * this process's event loop is busy for as long as the pipe's 64 KiB last.
 */
export function spawnReady(name: string, argv: readonly string[], logFile: string, timeoutMs = 30_000, env: Record<string, string> = {}): Promise<NodeProcess> {
  const logFd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', logFd], env: { ...process.env, ...env } });
  } finally {
    closeSync(logFd);
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new KestrelError(ErrorCode.INTERNAL, `${name} did not become ready within ${timeoutMs} ms (see ${logFile})`));
    }, timeoutMs);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new KestrelError(ErrorCode.INTERNAL, `${name} exited with code ${code} before it was ready (see ${logFile})`));
    });
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      try {
        const msg = JSON.parse(line) as { ready?: boolean; api: string; p2p: string[]; peerId: string };
        if (msg.ready) {
          clearTimeout(timer);
          resolve({ name, api: msg.api, p2p: msg.p2p, peerId: msg.peerId, child, exited });
        }
      } catch {
        // not the ready line
      }
    });
  });
}

/** Stops a node: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopNode(p: NodeProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill(signal);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
  await p.exited;
  clearTimeout(timer);
}
