/**
 * The HTTP layer: one `fetch` per call with a deadline, JSON in and out, and the node's error body
 * `{error:{code, message, details}}` turned into a {@link KestrelApiError} carrying that code.
 */
import { endpoints, pathOf, type AnswerOf, type BodyOf, type EndpointName, type Endpoints, type ParamsOf } from '@kestrel/api';
import type { KestrelBaseClient } from '../client.js';
import { KestrelApiError, KestrelSdkError, SdkErrorCode } from '../errors.js';

export type { EndpointName };

/** A call's options, typed by its endpoint: the path's parameters and the body it takes. */
export interface RequestOptions<N extends EndpointName = EndpointName> {
  /** values for the `:name` segments of the path */
  params?: Record<ParamsOf<Endpoints[N]['path']>, string | number> | undefined;
  query?: Record<string, string | number | undefined> | undefined;
  body?: BodyOf<Endpoints[N]> | undefined;
  /** overrides the client's timeout for this call */
  timeoutMs?: number | undefined;
}

/** Builds the URL of an endpoint, encoding each path parameter. */
export function endpointUrl<N extends EndpointName>(nodeUrl: string, name: N, options: RequestOptions<N> = {}): string {
  const path = pathOf<string>(endpoints[name].path, (options.params ?? {}) as Record<string, string | number>);
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) search.set(k, String(v));
  const qs = search.toString();
  return `${nodeUrl}${path}${qs ? `?${qs}` : ''}`;
}

/** Calls an endpoint and returns its parsed JSON body; throws {@link KestrelSdkError} / {@link KestrelApiError}. */
export async function request<N extends EndpointName>(client: KestrelBaseClient, name: N, options: RequestOptions<N> = {}): Promise<AnswerOf<Endpoints[N]>> {
  const { method } = endpoints[name];
  if (client.nodeUrl === undefined) {
    throw new KestrelSdkError(SdkErrorCode.NODE_URL_REQUIRED, `${method} ${endpoints[name].path} needs a node: this client has no nodeUrl`, {
      details: { method, path: endpoints[name].path },
    });
  }
  const url = endpointUrl(client.nodeUrl, name, options);
  const timeoutMs = options.timeoutMs ?? client.timeoutMs;
  const init: RequestInit = { method, headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) };
  if (options.body !== undefined) {
    init.body = JSON.stringify(options.body);
    init.headers = { accept: 'application/json', 'content-type': 'application/json' };
  }

  let response: Response;
  let text: string;
  try {
    response = await client.fetch(url, init);
    text = await response.text();
  } catch (cause) {
    if (isTimeout(cause)) {
      throw new KestrelSdkError(SdkErrorCode.TIMEOUT, `${method} ${url} timed out after ${timeoutMs} ms`, {
        details: { method, url, timeoutMs },
        cause,
      });
    }
    throw new KestrelSdkError(SdkErrorCode.NETWORK, `${method} ${url} failed: the node could not be reached`, {
      details: { method, url },
      cause,
    });
  }

  let json: unknown;
  let parsed = false;
  try {
    json = text.length === 0 ? undefined : JSON.parse(text);
    parsed = text.length > 0;
  } catch {
    parsed = false;
  }

  if (!response.ok) {
    const error = parsed ? errorBody(json) : undefined;
    const retryAfterSeconds = retryAfter(response.headers.get('retry-after'));
    if (error) {
      throw new KestrelApiError(error.code, error.message, { status: response.status, method, url, details: error.details, retryAfterSeconds });
    }
    throw new KestrelApiError(SdkErrorCode.HTTP_ERROR, `${method} ${url} answered HTTP ${response.status}`, {
      status: response.status,
      method,
      url,
      details: { body: text.slice(0, 200) },
      retryAfterSeconds,
    });
  }
  if (!parsed || typeof json !== 'object' || json === null) {
    throw new KestrelSdkError(SdkErrorCode.INVALID_RESPONSE, `${method} ${url} answered a body that is not a JSON object`, {
      details: { method, url, status: response.status, body: text.slice(0, 200) },
    });
  }
  return json as AnswerOf<Endpoints[N]>;
}

function errorBody(json: unknown): { code: string; message: string; details: Record<string, unknown> } | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const error = (json as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message, details } = error as { code?: unknown; message?: unknown; details?: unknown };
  if (typeof code !== 'string' || code.length === 0) return undefined;
  return {
    code,
    message: typeof message === 'string' && message.length > 0 ? message : code,
    details: typeof details === 'object' && details !== null && !Array.isArray(details) ? (details as Record<string, unknown>) : {},
  };
}

/** A Retry-After in delay-seconds (the form a node sends); an HTTP date or junk reads as none. */
function retryAfter(header: string | null): number | undefined {
  return header !== null && /^\d{1,9}$/.test(header.trim()) ? Number(header.trim()) : undefined;
}

function isTimeout(e: unknown): boolean {
  return e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
}
