// Sentinel secrets the whole reliability suite runs with, and the scan that proves none of them leaks
// into what an operator or a caller gets to see: decision records, logs, errors (with their causes),
// plans and responses. Each sentinel is shaped like the real thing (a Huawei SK is 40 letters and
// digits), so redaction that keys on the shape is exercised too.

import { inspect } from 'node:util';
import { akSkCredentials } from '../../lib/modelarts/credentials';
import type { AkSkCredentials } from '../../lib/modelarts/signer';

export const SENTINEL = {
  /** Not a secret (it is in every Authorization header), but unique, so credentials are easy to spot. */
  ak: 'SENTINELAK0RELIABLE7Q',
  sk: 'SENTINELsk7f3a9c2e51b84d06a1f9e3c7d2b5a8e4',
  securityToken: 'SENTINELtokenQ2hlY2tUaGF0VGhpc05ldmVyTGVha3MK9x',
  iamPassword: 'SENTINEL-PASSWORD-4c1e9b7a2d',
  webhookSecret: 'SENTINEL-WEBHOOK-9d2f6a1c8e3b70',
} as const;

/** The values that must never be seen, each with a tail that catches a truncated copy too. */
const NEEDLES: { name: string; needle: string }[] = (
  ['sk', 'securityToken', 'iamPassword', 'webhookSecret'] as const
).flatMap((name) => [
  { name, needle: SENTINEL[name] },
  { name: `${name} (tail)`, needle: SENTINEL[name].slice(-14) },
]);

/** Temporary AK/SK credentials (with a security token) as the functions build them, for one project. */
export const sentinelCredentials = (projectId: string): AkSkCredentials =>
  akSkCredentials({ ak: SENTINEL.ak, sk: SENTINEL.sk, securityToken: SENTINEL.securityToken, projectId });

/** Emulator auth that verifies every AK/SK signature against the sentinel SK. */
export const sentinelEmulatorAuth = () =>
  ({ mode: 'verify', credentials: { [SENTINEL.ak]: SENTINEL.sk } }) as const;

/** Everything a value shows when printed or serialised: inspect (causes, hidden fields) and JSON. */
export function rendered(value: unknown): string {
  if (typeof value === 'string') return value;
  const inspected = inspect(value, {
    depth: Number.POSITIVE_INFINITY,
    showHidden: true,
    maxArrayLength: null,
    maxStringLength: null,
  });
  let json = '';
  try {
    json = JSON.stringify(value) ?? '';
  } catch {
    // Circular or BigInt: inspect has already shown everything.
  }
  return `${inspected}\n${json}`;
}

export interface SecretFinding {
  artifact: string;
  secret: string;
}

/** Collects artifacts of a test file and reports every sentinel found in them. */
export class SecretScan {
  scanned = 0;
  readonly findings: SecretFinding[] = [];
  readonly #needles = [...NEEDLES];

  /** A secret only known at run time (a token the IAM emulator issued). */
  addSecret(name: string, value: string): void {
    if (!this.#needles.some((known) => known.needle === value)) this.#needles.push({ name, needle: value });
  }

  scan(artifact: string, value: unknown): void {
    this.scanned += 1;
    const text = rendered(value);
    for (const { name, needle } of this.#needles) {
      if (text.includes(needle)) this.findings.push({ artifact, secret: name });
    }
  }

  scanAll(artifact: string, values: Iterable<unknown>): void {
    let index = 0;
    for (const value of values) this.scan(`${artifact}[${index++}]`, value);
  }

  get figures() {
    return { artifactsScanned: this.scanned, secretsFound: this.findings.length };
  }
}
