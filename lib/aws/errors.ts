/** The base of the errors the Lambda side raises (SSM, SQS, events, fan-out); `cause` carries what lies beneath. */
export class AwsError extends Error {
  override name = 'AwsError';
}
