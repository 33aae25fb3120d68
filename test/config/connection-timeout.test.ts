import { describe, expect, it } from 'vitest';
import { rotatingModelArtsClients } from '../../lib/aws/rotating-clients';
import { ConfigError } from '../../lib/config/issues';
import { parseConfig } from '../../lib/config/load';
import { CLOCK_SKEW_ALLOWANCE_MS, LEASE_TTL_MS } from '../../lib/cycle';
import { DEFAULT_ATTEMPT_TIMEOUT_MS } from '../../lib/modelarts';
import { modelArtsClients } from '../../lib/modelarts/clients';
import { minimalConfig, toYaml } from './fixtures';

// A connection's request timeout decides the lease deadline: no attempt starts later than one timeout plus
// the clock-skew allowance before the lease ends. A timeout that leaves no such moment is refused at start-up.

const withTimeout = (timeoutMs?: number) => {
  const document = minimalConfig();
  const connection = { ...document.connections[0], auth: { type: 'none' }, timeoutMs };
  return toYaml({ ...document, connections: [connection] });
};

const problemsOf = (text: string): string[] => {
  try {
    parseConfig({ text, env: {} });
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
    throw error;
  }
  return [];
};

describe('a connection timeoutMs', () => {
  it('that leaves no room under the lease is a config error naming the field', () => {
    const noRoom = LEASE_TTL_MS - CLOCK_SKEW_ALLOWANCE_MS;
    expect(problemsOf(withTimeout(noRoom))).toEqual([
      expect.stringMatching(
        new RegExp(
          `^connections\\[0\\]\\.timeoutMs: must leave room under a pool's lease: timeoutMs plus the ` +
            `${CLOCK_SKEW_ALLOWANCE_MS} ms clock-skew allowance must stay below the ${LEASE_TTL_MS} ms lease`,
        ),
      ),
    ]);
    expect(problemsOf(withTimeout(LEASE_TTL_MS))).toHaveLength(1);
  });

  it('is accepted up to the last one that leaves room, and reaches the client', () => {
    const longest = LEASE_TTL_MS - CLOCK_SKEW_ALLOWANCE_MS - 1;
    const config = parseConfig({ text: withTimeout(longest), env: {} });
    expect(modelArtsClients(config)('main').attemptTimeoutMs).toBe(longest);
  });

  it('is what the lease deadline of a rotating-credentials client leaves room for', () => {
    const document = minimalConfig();
    const text = toYaml({ ...document, connections: [{ ...document.connections[0], timeoutMs: 30_000 }] });
    const clients = rotatingModelArtsClients(parseConfig({ text, env: {} }), async () => {
      throw new Error('no request is made');
    });
    expect(clients('main').attemptTimeoutMs).toBe(30_000);
  });

  it('defaults to the client default', () => {
    const config = parseConfig({ text: withTimeout(), env: {} });
    expect(config.connections[0]?.timeoutMs).toBeUndefined();
    expect(modelArtsClients(config)('main').attemptTimeoutMs).toBe(DEFAULT_ATTEMPT_TIMEOUT_MS);
  });
});
