/**
 * Which models each security tier may use. A tier without a list allows every
 * model. When a request names no tier, the router picks the first tier, in the
 * order standard → high → maximum, that allows the model (the protocol: "when no
 * tier is sent the server picks a default for the model"); if none does, 403.
 */
import { SECURITY_TIERS, isSecurityTier, type SecurityTier } from 'nomyo-js/protocol';
import { HttpError } from '../http-error.js';

export type TierModels = Partial<Record<SecurityTier, ReadonlySet<string>>>;

/** Parses repeated `TIER=MODEL[,MODEL...]` values; the same tier given twice accumulates. */
export function parseTierModels(values: readonly string[]): TierModels {
  const result: Partial<Record<SecurityTier, Set<string>>> = {};
  for (const value of values) {
    const separator = value.indexOf('=');
    const tier = value.slice(0, separator).trim();
    if (separator === -1 || !isSecurityTier(tier)) {
      throw new TypeError(`--tier-models expects TIER=MODEL[,MODEL...] with TIER one of ${SECURITY_TIERS.join(', ')}: got "${value}"`);
    }
    const models = value.slice(separator + 1).split(',').map((m) => m.trim()).filter(Boolean);
    if (models.length === 0) throw new TypeError(`--tier-models ${tier}= names no model`);
    const set = (result[tier] ??= new Set());
    for (const model of models) set.add(model);
  }
  return result;
}

function allows(policy: TierModels, tier: SecurityTier, model: string): boolean {
  const models = policy[tier];
  return models === undefined || models.has(model);
}

/** The tier a request runs in, or HttpError 403 when the model is not allowed there. */
export function resolveTier(policy: TierModels, requested: SecurityTier | undefined, model: string): SecurityTier {
  if (requested !== undefined) {
    if (allows(policy, requested, model)) return requested;
    throw new HttpError(403, `model not allowed for security tier "${requested}"`);
  }
  const fallback = SECURITY_TIERS.find((tier) => allows(policy, tier, model));
  if (fallback === undefined) throw new HttpError(403, 'model not allowed in any security tier');
  return fallback;
}
