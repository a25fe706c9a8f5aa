/**
 * The WebSocket the streams use on Node.js: the platform's own where there is one (Node 22+),
 * else the `ws` package (Node 20 has none). Browser bundlers take websocket-native.ts instead
 * (the package's `browser` field), so `ws` never reaches a browser bundle.
 */
import { WebSocket as WsWebSocket } from 'ws';
import type { WebSocketLike } from './websocket-native.js';

export const PlatformWebSocket: WebSocketLike = (globalThis.WebSocket as WebSocketLike | undefined) ?? (WsWebSocket as unknown as WebSocketLike);
