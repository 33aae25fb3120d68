// Settings of every AWS SDK client the functions build (DynamoDB state, SSM parameters, the pool queue).
// The SDK's defaults wait for a connection and an answer without a bound, and no function timeout can be
// sized for that: here a call makes at most AWS_CALL_ATTEMPTS attempts of at most
// AWS_CONNECTION_TIMEOUT_MS + AWS_REQUEST_TIMEOUT_MS each, with the SDK's backoff between them. In-region
// DynamoDB and SSM answer in milliseconds; these bounds only cut off calls that would not answer at all.
// test/template/time-budget.test.ts sizes the function timeouts on them.

export const AWS_CALL_ATTEMPTS = 2;
export const AWS_CONNECTION_TIMEOUT_MS = 500;
export const AWS_REQUEST_TIMEOUT_MS = 1_500;

export const awsClientSettings = () => ({
  maxAttempts: AWS_CALL_ATTEMPTS,
  requestHandler: {
    connectionTimeout: AWS_CONNECTION_TIMEOUT_MS,
    requestTimeout: AWS_REQUEST_TIMEOUT_MS,
    // Without it the SDK only logs a request past requestTimeout and keeps waiting.
    throwOnRequestTimeout: true,
  },
});
