export * from './api/wire.js';
