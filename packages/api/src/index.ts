/**
 * @packageDocumentation
 * `@kestrel/api` — the node API v1, defined once: each endpoint's method, path, body and answer
 * (`endpoints`), the message shapes, the conversions between the core's types and their wire
 * form, and batches on the wire (proposals, inputs, settlements). The SDK's client and the
 * node's server both use it.
 */
export * from './convert.js';
export * from './markets.js';
export * from './endpoints.js';
export * from './history.js';
export * from './limits.js';
export * from './messages.js';
export * from './proposals.js';
export * from './snapshot.js';
export * from './ws.js';
export { validate, type Infer, type JsonSchema, type Same, type Schema } from './schema.js';
export * from './schemas.js';
export * from './openapi.js';
