/**
 * Structured logs: one JSON object a line, `{level, t, node, msg, …fields}` with `level` a word
 * (`debug`, `info`, `warn`, `error`), on stderr (stdout carries the node's ready line).
 *
 * Lines are written synchronously: the devnet points a node's stderr at a file, and a node that
 * crashes or is killed must leave its last lines there, not in a buffer that died with it.
 */
import { pino, type DestinationStream } from 'pino';

export interface Logger {
  /** what an operator looks at when chasing one input: every drop, with its reason */
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** Where a logger writes: a file descriptor (stderr by default), or a function given each line without its newline. */
export type LogTarget = number | ((line: string) => void);

/** One destination per descriptor: the nodes a test runs in one process share stderr. */
const destinations = new Map<number, DestinationStream>();

function destinationOf(to: LogTarget): DestinationStream {
  if (typeof to === 'function') return { write: (s: string) => to(s.endsWith('\n') ? s.slice(0, -1) : s) };
  let d = destinations.get(to);
  if (d === undefined) {
    d = pino.destination({ fd: to, sync: true });
    destinations.set(to, d);
  }
  return d;
}

export function createLogger(name: string, level: LogLevel = 'info', to: LogTarget = 2): Logger {
  const p = pino(
    {
      level,
      base: { node: name },
      messageKey: 'msg',
      timestamp: () => `,"t":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
    },
    // a silent logger writes nothing: no descriptor is opened for it
    level === 'silent' ? { write: () => undefined } : destinationOf(to),
  );
  return {
    debug: (m, f) => p.debug(f ?? {}, m),
    info: (m, f) => p.info(f ?? {}, m),
    warn: (m, f) => p.warn(f ?? {}, m),
    error: (m, f) => p.error(f ?? {}, m),
  };
}
