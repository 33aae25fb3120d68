import { randomBytes } from 'node:crypto';

interface IssuedToken {
  projectId: string;
  user: string;
  expiresAt: number;
}

/** IAM tokens the emulator has issued; revoking forgets them all. */
export class TokenStore {
  readonly #tokens = new Map<string, IssuedToken>();

  issue(user: string, projectId: string, expiresAt: number): string {
    // Real tokens are long opaque strings beginning "MII"; length and prefix only matter for realism.
    const token = `MIIemu${randomBytes(48).toString('base64url')}`;
    this.#tokens.set(token, { user, projectId, expiresAt });
    return token;
  }

  /** The token's grant if it was issued, is not revoked and has not expired at `now`. */
  check(token: string, now: number): IssuedToken | undefined {
    const issued = this.#tokens.get(token);
    return issued && issued.expiresAt > now ? issued : undefined;
  }

  revokeAll(): void {
    this.#tokens.clear();
  }
}
