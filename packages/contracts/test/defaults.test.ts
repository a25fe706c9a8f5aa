/**
 * What the TypeScript side takes from the core is what the contract has: the deploy helper's
 * de-risking defaults are the engine's, and the core's request kinds are the contract's enum.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKSTOP_RATIO, DEFAULT_MAX_FUNDING_RATE as ENGINE_MAX_FUNDING_RATE, DE_RISK_DEFAULTS } from '@kestrel/core';
import { DEFAULT_DE_RISK, DEFAULT_MAX_FUNDING_RATE, RequestKind } from '../src/index.js';

describe('deploy defaults', () => {
  it('equal the engine defaults', () => {
    expect(DEFAULT_DE_RISK).toEqual({
      backstopRatio: DEFAULT_BACKSTOP_RATIO,
      liquidationDiscount: DE_RISK_DEFAULTS.liquidationDiscount,
      insuranceShare: DE_RISK_DEFAULTS.insuranceShare,
      maxGraceSeconds: Number(DE_RISK_DEFAULTS.maxGraceSeconds),
      defaultGraceSeconds: Number(DE_RISK_DEFAULTS.defaultGraceSeconds),
      defaultSlippageBps: DE_RISK_DEFAULTS.defaultSlippageBps,
    });
    expect(DEFAULT_MAX_FUNDING_RATE).toBe(ENGINE_MAX_FUNDING_RATE);
  });
});

describe('request kinds', () => {
  it('are the contract enum, in its order', () => {
    const source = readFileSync(new URL('../contracts/interfaces/IExchangeTypes.sol', import.meta.url), 'utf8');
    const body = /enum RequestKind \{([^}]*)\}/.exec(source)?.[1] ?? '';
    const names = body.split(',').map((n) => n.trim());
    expect(Object.entries(RequestKind)).toEqual(names.map((n, i) => [n, i]));
  });
});
