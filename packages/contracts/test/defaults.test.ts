/** The deploy helper's de-risking defaults are the engine's (so a node reads what its engine assumes). */
import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKSTOP_RATIO, DEFAULT_MAX_FUNDING_RATE as ENGINE_MAX_FUNDING_RATE, DE_RISK_DEFAULTS } from '@kestrel/core';
import { DEFAULT_DE_RISK, DEFAULT_MAX_FUNDING_RATE } from '../src/index.js';

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
