export interface Vpc {
  subnetIds: string[];
  securityGroupIds: string[];
}
/** The functions' `vpc:` for the subnetIds and securityGroupIds params, or null; throws on a half-set or bad pair. */
export function vpcFor(subnetIds: unknown, securityGroupIds: unknown): Vpc | null;
export function vpc(api: { resolveVariable: (address: string) => Promise<unknown> }): Promise<Vpc | null>;
