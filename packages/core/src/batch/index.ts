export * from './apply.js';
export * from './config.js';
export * from './inputs.js';
export * from './proposal.js';
export * from './requests.js';
export * from './settlement.js';
