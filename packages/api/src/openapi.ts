/**
 * The OpenAPI 3.1 document of the node API, generated from the API's own definitions: each
 * endpoint of `endpoints` with its path, its parameters, and the schemas of its body and answer
 * (schemas.ts). The node serves it at `GET /v1/openapi.json`.
 */
import { endpoints, type EndpointName } from './endpoints.js';
import { DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT } from './limits.js';
import type { JsonSchema, Schema } from './schema.js';
import * as S from './schemas.js';

export const OPENAPI_PATH = '/v1/openapi.json';

interface Query {
  name: string;
  description: string;
  schema: JsonSchema;
}

const page: Query[] = [
  { name: 'limit', description: `items in the page, 1 to ${MAX_HISTORY_LIMIT} (default ${DEFAULT_HISTORY_LIMIT})`, schema: { type: 'integer' } },
  { name: 'before', description: "the previous page's `next`: items older than it", schema: { type: 'string' } },
];

/** What each endpoint takes and answers, and a line on what it does. */
const DOCS: Record<EndpointName, { summary: string; body?: Schema<unknown>; answer: Schema<unknown>; query?: Query[] }> = {
  info: { summary: 'The deployment (chain id, exchange), this node, its listed assets and limits', answer: S.InfoResponseSchema },
  markets: { summary: 'The listed markets with their parameters', answer: S.MarketsResponseSchema },
  book: {
    summary: "A market's aggregated book, committed state",
    answer: S.BookResponseSchema,
    query: [{ name: 'depth', description: 'price levels per side, 1 to 500 (default 50)', schema: { type: 'integer' } }],
  },
  trades: { summary: "A market's trades, newest first", answer: S.TradesResponseSchema, query: page },
  funding: { summary: "A perp's funding after each batch that updated it, newest first", answer: S.FundingHistoryResponseSchema, query: page },
  placeOrder: { summary: 'Submit a signed order', body: S.PlaceOrderBodySchema, answer: S.PlaceOrderResponseSchema },
  placeOrders: { summary: 'Submit up to 50 signed orders, each judged on its own', body: S.PlaceOrdersBodySchema, answer: S.PlaceOrdersResponseSchema },
  order: { summary: "An order's status, fill and settlement", answer: S.OrderStatusResponseSchema },
  cancel: { summary: 'Cancel orders by hash, or all of a market, with a signed cancel', body: S.CancelBodySchema, answer: S.CancelResponseSchema },
  riskPlan: { summary: "Submit a subaccount's signed de-risking plan", body: S.RiskPlanBodySchema, answer: S.RiskPlanResponseSchema },
  risk: { summary: 'The risk parameters and index prices', answer: S.RiskResponseSchema },
  account: { summary: "A subaccount's balances, positions, open orders and health", answer: S.AccountResponseSchema },
  fills: { summary: "A subaccount's fills, newest first", answer: S.FillsResponseSchema, query: page },
  orderHistory: { summary: "Every status change of a subaccount's orders, with its reason, newest first", answer: S.OrderHistoryResponseSchema, query: page },
  batch: {
    summary: 'A sequenced batch, its settlement and transaction',
    answer: S.BatchResponseSchema,
    query: [{ name: 'stateHash', description: 'that version of the batch (one this node rolled back)', schema: { type: 'string' } }],
  },
  health: { summary: "This node's role, heights, peers and leader schedule", answer: S.HealthResponseSchema },
};

const PATH_PARAMS: Record<string, JsonSchema> = {
  marketId: { type: 'integer' },
  subaccount: { type: 'string', pattern: '^0x[0-9a-fA-F]{64}$' },
  orderHash: { type: 'string', pattern: '^0x[0-9a-fA-F]{64}$' },
  batchId: { type: 'string', pattern: '^(0|[1-9][0-9]*)$' },
};

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const capital = (n: string): string => n[0]!.toUpperCase() + n.slice(1);

/** The document (a plain JSON value). */
export function openApiDocument(version: string): {
  openapi: string;
  info: Record<string, string>;
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, JsonSchema> };
} {
  const schemas: Record<string, JsonSchema> = { Error: S.ErrorBodySchema.json };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [name, e] of Object.entries(endpoints) as Array<[EndpointName, (typeof endpoints)[EndpointName]]>) {
    const doc = DOCS[name];
    const answer = `${capital(name)}Response`;
    schemas[answer] = doc.answer.json;
    const params = [...e.path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({
      name: m[1]!,
      in: 'path',
      required: true,
      schema: PATH_PARAMS[m[1]!] ?? { type: 'string' },
    }));
    const query = (doc.query ?? []).map((q) => ({ name: q.name, in: 'query', required: false, description: q.description, schema: q.schema }));
    const op: Record<string, unknown> = {
      operationId: name,
      summary: doc.summary,
      ...(params.length + query.length > 0 ? { parameters: [...params, ...query] } : {}),
      responses: {
        '200': { description: 'OK', content: { 'application/json': { schema: ref(answer) } } },
        '4XX': { description: 'Refused: `error.code` says why (a stable code)', content: { 'application/json': { schema: ref('Error') } } },
        '5XX': { description: 'Busy or failed: retry after Retry-After when given', content: { 'application/json': { schema: ref('Error') } } },
      },
    };
    if (doc.body !== undefined) {
      const body = `${capital(name)}Body`;
      schemas[body] = doc.body.json;
      op.requestBody = { required: true, content: { 'application/json': { schema: ref(body) } } };
    }
    const path = e.path.replace(/:([A-Za-z]+)/g, '{$1}');
    paths[path] = { ...paths[path], [e.method.toLowerCase()]: op };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Kestrel node API',
      version,
      description:
        'Every money number is a decimal string in human units; ids are numbers; nonces, expiries, times and batch ids are decimal strings. The WebSocket API is at /v1/ws (see the API guide).',
    },
    paths,
    components: { schemas },
  };
}

/** The schema of an endpoint's answer, for checking a real one (`validate`). */
export function answerSchema(name: EndpointName): JsonSchema {
  return DOCS[name].answer.json;
}
