import { ConfigError, configFromDocument } from '../config';
import type { FlavorPolicy, ForecastPolicy, Headroom, PoolPolicy } from '../scaling/policy';
import { SimulatorError } from './errors';

// Warm headroom and the forecast, set on every flavor of the simulated policy (`simulate --headroom/--forecast`,
// and the bench's curves), over whatever the config says. Their values go through the config's own schema, so
// the simulator takes exactly what a config would, with the same defaults and the same limits.

export interface ForecastOverride {
  mode?: ForecastPolicy['mode'];
  leadSeconds?: number;
  /** Daily seasonality: past days to average over. */
  days?: number;
  /** Ready nodes ⌈spread·√forecast⌉ above the busy ones instead of the forecast level. */
  spread?: number;
}

export interface FloorOverrides {
  /** `null`: no headroom, whatever the config says (a curve's zero point). */
  headroom?: Headroom | null;
  forecast?: ForecastPolicy;
}

export class FloorSettingError extends SimulatorError {
  override readonly name = 'FloorSettingError';
}

/** The policy with headroom and forecast overridden on every flavor; unchanged without overrides. */
export function withFloors(policy: PoolPolicy, overrides: FloorOverrides | undefined): PoolPolicy {
  if (overrides === undefined || (overrides.headroom === undefined && overrides.forecast === undefined))
    return policy;
  const { headroom, forecast } = overrides;
  const flavors: Record<string, FlavorPolicy> = {};
  for (const [flavor, flavorPolicy] of Object.entries(policy.flavors)) {
    const next: FlavorPolicy = { ...flavorPolicy };
    if (headroom === null) delete next.headroom;
    else if (headroom !== undefined) next.headroom = { ...headroom };
    if (forecast !== undefined) next.forecast = { ...forecast };
    flavors[flavor] = next;
  }
  return { ...policy, flavors };
}

/** `2` (nodes) or `10%` (of the busy nodes); `0` is none. As the config's `headroom` field checks it. */
export function parseHeadroom(text: string): Headroom | null {
  const trimmed = text.trim();
  const percent = trimmed.endsWith('%');
  const number = Number(percent ? trimmed.slice(0, -1) : trimmed);
  if (trimmed === '' || trimmed === '%' || !Number.isFinite(number))
    throw new FloorSettingError(`headroom must be a number of nodes (2) or a percent (10%), got "${text}"`);
  if (number === 0) return null;
  return (
    resolved({ headroom: percent ? { percent: number } : { nodes: number } }, 'headroom').headroom ?? null
  );
}

/** The forecast the config would resolve from these fields (its defaults for the others). */
export function forecastPolicy(override: ForecastOverride = {}): ForecastPolicy {
  const forecast = resolved({ forecast: { ...override } }, 'forecast').forecast;
  if (forecast === undefined) throw new FloorSettingError('the config resolved no forecast');
  return forecast;
}

/** One flavor with these fields, through the config's schema and resolution; its problems named by field. */
function resolved(fields: Record<string, unknown>, what: string): FlavorPolicy {
  const document = {
    connections: [{ name: 'simulated', region: 'simulated', projectId: 'simulated', auth: { type: 'none' } }],
    pools: [
      {
        name: 'simulated-pool',
        flavors: [
          {
            flavor: '*',
            max: 1000,
            backlog: { source: { type: 'static', value: 0 }, unit: 'nodes' },
            ...fields,
          },
        ],
      },
    ],
  };
  try {
    const policy = configFromDocument(document, {}).pools[0]?.flavors[0]?.policy;
    if (policy === undefined) throw new FloorSettingError(`the config resolved no ${what}`);
    return policy;
  } catch (cause) {
    if (!(cause instanceof ConfigError)) throw cause;
    const problems = cause.issues.map(
      (issue) => `${issue.path.replace(/^.*flavors\[0\]\./, '')}: ${issue.message}`,
    );
    throw new FloorSettingError(`${what}: ${problems.join('; ')}`, { cause });
  }
}
