'use strict';
// serverless.yml's optional VPC: the `subnetIds` and `securityGroupIds` params (comma-separated), both or
// neither. With them, every function runs in those subnets (so its traffic leaves through the VPC's NAT
// gateway and its fixed Elastic IP, which an allow-list on the Huawei side can name) and each role gains the
// network interface permissions Lambda needs; without them, nothing changes. Checked here, while the
// variables resolve, so a half-set or misspelt VPC stops `osls package` before anything is built.

const SUBNET = /^subnet-[0-9a-f]{8,17}$/;
const SECURITY_GROUP = /^sg-[0-9a-f]{8,17}$/;

const list = (value) =>
  value == null
    ? []
    : String(value)
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);

/** The functions' `vpc:` for the two params (strings or null), or null for none; throws on a bad pair. */
function vpcFor(subnetIds, securityGroupIds) {
  const subnets = list(subnetIds);
  const groups = list(securityGroupIds);
  if (subnets.length === 0 && groups.length === 0) return null;
  if (subnets.length === 0 || groups.length === 0) {
    const [given, missing] =
      subnets.length === 0 ? ['securityGroupIds', 'subnetIds'] : ['subnetIds', 'securityGroupIds'];
    throw new Error(
      `VPC: the ${given} param is set but ${missing} is not; set both (--param="${missing}=...") or neither`,
    );
  }
  const bad = [
    ...subnets
      .filter((id) => !SUBNET.test(id))
      .map((id) => `subnetIds: "${id}" is not a subnet id (subnet-...)`),
    ...groups
      .filter((id) => !SECURITY_GROUP.test(id))
      .map((id) => `securityGroupIds: "${id}" is not a security group id (sg-...)`),
  ];
  if (bad.length > 0) throw new Error(`VPC: ${bad.join('; ')}`);
  return { subnetIds: subnets, securityGroupIds: groups };
}

async function params(resolveVariable) {
  return [
    await resolveVariable('param:subnetIds, null'),
    await resolveVariable('param:securityGroupIds, null'),
  ];
}

/** serverless.yml: `${file(functions/build/network.cjs):vpc, null}` (null: no VPC). */
async function vpc({ resolveVariable }) {
  try {
    return vpcFor(...(await params(resolveVariable)));
  } catch (error) {
    if (error instanceof Error) error.stack = `${error.name}: ${error.message}`;
    throw error;
  }
}

module.exports = { vpc, vpcFor };
