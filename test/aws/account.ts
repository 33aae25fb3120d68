// The AWS account, region and partition the tests stand for: the functions' clients run in this region, and
// the ARNs of the template and of the recorded calls are written in this account.

export interface AwsAccount {
  partition: string;
  region: string;
  accountId: string;
}

export const TEST_ACCOUNT: AwsAccount = { partition: 'aws', region: 'eu-west-1', accountId: '123456789012' };

/** The KMS key the tests' SecureString parameters are encrypted with (SSM does not say which it used). */
export const SECURE_STRING_KEY_ARN = `arn:aws:kms:${TEST_ACCOUNT.region}:${TEST_ACCOUNT.accountId}:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`;
