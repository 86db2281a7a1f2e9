export const SECURITY_TIERS = ['standard', 'high', 'maximum'] as const;
export type SecurityTier = (typeof SECURITY_TIERS)[number];

export function isSecurityTier(value: unknown): value is SecurityTier {
  return typeof value === 'string' && (SECURITY_TIERS as readonly string[]).includes(value);
}
