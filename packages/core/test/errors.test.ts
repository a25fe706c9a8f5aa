import { describe, expect, it } from 'vitest';
import { ErrorCode, KestrelBaseError, KestrelError } from '../src/index.js';

describe('the error tree', () => {
  it('a protocol error is a KestrelBaseError with its code, one-line message, details and cause', () => {
    const cause = new Error('socket closed');
    const err = new KestrelError(ErrorCode.DUPLICATE_ORDER, 'order already submitted', { orderHash: '0xab' }, { cause });
    expect(err).toBeInstanceOf(KestrelBaseError);
    expect(err).toBeInstanceOf(Error);
    expect([err.name, err.code, err.shortMessage, err.details, err.cause]).toEqual([
      'KestrelError',
      'DUPLICATE_ORDER',
      'order already submitted',
      { orderHash: '0xab' },
      cause,
    ]);
  });

  it('walk follows the causes: to the first one accepted, or to the innermost', () => {
    const inner = new KestrelError(ErrorCode.MALFORMED, 'bad field', { field: 'price' });
    const middle = new Error('while decoding', { cause: inner });
    const outer = new KestrelBaseError('WRAPPED', 'request failed', { cause: middle });
    expect(outer.walk()).toBe(inner);
    expect(outer.walk((e) => e instanceof KestrelError)).toBe(inner);
    expect(outer.walk((e) => (e as Error).message === 'while decoding')).toBe(middle);
    expect(outer.walk((e) => e === 'nothing')).toBeNull();
  });

  it('walk stops on a cycle of causes', () => {
    const a = new KestrelBaseError('A', 'a');
    const b = new Error('b', { cause: a });
    Object.defineProperty(a, 'cause', { value: b });
    expect(a.walk((e) => e === 'never')).toBeNull();
  });
});
