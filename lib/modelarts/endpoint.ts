// Where the Pool API lives and how its URLs are spelled.

import { ModelArtsError, ModelArtsOptionsError } from './errors';
import { signerEncode } from './signer';

// Huawei Cloud region ids: `cn-north-4`, `ap-southeast-1`, `la-south-2`, `eu-west-101`, `tr-west-1`, ...
const REGION = /^[a-z]{2,}(-[a-z0-9]+)+$/;

export interface EndpointOptions {
  /** Explicit base URL (emulator, private gateway); wins over `region`. */
  endpoint?: string;
  region?: string;
}

const invalid = (path: string, problem: string) => new ModelArtsOptionsError([{ path, problem }]);

/** The public ModelArts endpoint of a region. */
export const regionEndpoint = (region: string) => `https://modelarts.${region}.myhuaweicloud.com`;

/**
 * Resolves the base URL requests are sent to: the explicit `endpoint` when given, else the region's
 * public endpoint. The result has no trailing slash, query or fragment; a base path (a gateway
 * prefix) is kept.
 */
export function resolveEndpoint(options: EndpointOptions): string {
  if (options.endpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(options.endpoint);
    } catch {
      throw invalid('endpoint', `"${options.endpoint}" is not an absolute URL`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw invalid('endpoint', `protocol must be https: or http:, got ${url.protocol}`);
    }
    if (url.username || url.password) {
      throw invalid('endpoint', 'must not contain user info');
    }
    if (url.search || url.hash) {
      throw invalid('endpoint', 'must not contain a query or fragment');
    }
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  }
  if (options.region !== undefined) {
    if (!REGION.test(options.region)) {
      throw invalid('region', `"${options.region}" is not a region id like "cn-north-4"`);
    }
    return regionEndpoint(options.region);
  }
  throw invalid('endpoint', 'either endpoint or region is required');
}

// Path segments and query parts are encoded the way the AK/SK canonical form encodes them, so the URL
// that goes out is already canonical: the signer, the gateway and fetch's URL parser see the same bytes.
// URL parsers resolve `.` and `..` segments, so such a name would address another resource (`pools/..`
// is the project): refuse it, like a blank one.
function segment(value: string, what: string): string {
  if (typeof value !== 'string' || value.trim() === '' || value === '.' || value === '..') {
    throw new ModelArtsError('validation', `${what} ${JSON.stringify(value)} cannot be a URL path segment`);
  }
  return signerEncode(value);
}

export const poolsPath = (projectId: string) => `/v2/${segment(projectId, 'project id')}/pools`;

export const poolPath = (projectId: string, poolName: string) =>
  `${poolsPath(projectId)}/${segment(poolName, 'pool name')}`;

/** `?k=v&...` with keys sorted and undefined values dropped; empty string when nothing is left. */
export function queryString(query: Record<string, string | undefined>): string {
  const pairs = Object.entries(query)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${signerEncode(key)}=${signerEncode(value)}`);
  return pairs.length === 0 ? '' : `?${pairs.join('&')}`;
}
