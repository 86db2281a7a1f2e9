export { SecureChatCompletion } from './client.js';
export * from './errors.js';
export { ResponseRejectedError, type RejectionReason } from './open-response.js';
export type { Logger, LogFields } from './logger.js';
export type { RequestOptions, SecureChatCompletionOptions } from './options.js';
export type * from './types.js';
export { SECURITY_TIERS, type SecurityTier } from './protocol/tiers.js';
