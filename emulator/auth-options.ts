// How the emulated gateway authenticates ModelArts requests: open, or verifying AK/SK signatures and IAM tokens.

export interface IamUser {
  name: string;
  password: string;
  domain: string;
}

export type AuthOptions =
  | { mode: 'open' }
  | {
      mode: 'verify';
      /** Secret key by access key. */
      credentials?: Record<string, string>;
      users?: IamUser[];
      tokenTtlMs?: number;
    };
