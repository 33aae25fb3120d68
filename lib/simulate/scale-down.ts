import type { ScaleInSettings } from '../scale-in/types';
import type { FlavorPolicy, PoolPolicy } from '../scaling/policy';

// How the simulated policy's nodes leave: the config's scaleDown.method, idleSeconds, drainSeconds and drainAhead per flavor,
// which the simulator's options (and --compare, for each method) may override for every flavor at once.

/** What the simulator may set on every flavor's scaleDown. */
export type ScaleDownOverride = Partial<ScaleInSettings> & { drainAhead?: boolean };

/** The policy with `override` set on every flavor's scaleDown. */
export function withScaleDown(policy: PoolPolicy, override: ScaleDownOverride | undefined): PoolPolicy {
  if (override === undefined || Object.keys(override).length === 0) return policy;
  const flavors: Record<string, FlavorPolicy> = {};
  for (const [flavor, flavorPolicy] of Object.entries(policy.flavors))
    flavors[flavor] = { ...flavorPolicy, scaleDown: { ...flavorPolicy.scaleDown, ...override } };
  return { ...policy, flavors };
}

/**
 * The settings of the policy's first flavor, for reports and as the choice's fallback: a policy built without
 * them (not from a config) leaves by a lower count, drains standing one cycle.
 */
export function scaleDownOf(policy: PoolPolicy, intervalSeconds: number): ScaleInSettings {
  const first = Object.values(policy.flavors)[0]?.scaleDown;
  return {
    method: first?.method ?? 'count',
    idleSeconds: first?.idleSeconds ?? 0,
    drainSeconds: first?.drainSeconds ?? intervalSeconds,
  };
}
