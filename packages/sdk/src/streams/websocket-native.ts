/** The WebSocket the streams use in browsers and runtimes that have one: the platform's own. */

/** What the streams need of a WebSocket: the browser API, which `ws` implements as well. */
export interface WebSocketInstance {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketLike = new (url: string) => WebSocketInstance;

export const PlatformWebSocket: WebSocketLike | undefined = globalThis.WebSocket as WebSocketLike | undefined;
