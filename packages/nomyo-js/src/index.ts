export * from './errors.js';
export type * from './types.js';
export { SECURITY_TIERS, type SecurityTier } from './protocol/tiers.js';
