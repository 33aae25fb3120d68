// The ReplayGuard port: which signed webhook requests were already accepted. A signature is valid for
// the whole freshness window (5 minutes either side of its timestamp), so without a record of the ones
// seen, a captured request could be sent again, and scale again, until the window closes.

export interface ReplayGuard {
  /**
   * Records `signature` as used until `until` (epoch ms). true the first time; false while an earlier
   * claim of the same signature is remembered. Two concurrent claims never both get true.
   */
  claim(signature: string, until: number): Promise<boolean>;
}

/**
 * Signatures remembered in this process only: enough for local runs and tests, not for Lambda, where
 * each execution environment would hold its own (DynamoDB: replay-dynamodb.ts).
 */
export function createMemoryReplayGuard(options: { now?: () => number } = {}): ReplayGuard {
  const now = options.now ?? Date.now;
  const claimed = new Map<string, number>();
  return {
    // The check and the set run without an await between them, so racing callers cannot both win.
    async claim(signature, until) {
      const at = now();
      // Forgotten once expired: the map holds at most one freshness window of signatures.
      for (const [seen, expiresAt] of claimed) if (expiresAt < at) claimed.delete(seen);
      if (claimed.has(signature)) return false;
      claimed.set(signature, until);
      return true;
    },
  };
}
