// Settings of every AWS SDK client the functions build (DynamoDB state, SSM parameters, the pool queue).
// The SDK's defaults wait for a connection and an answer without a bound, and no function timeout can be
// sized for that: here a call makes at most AWS_CALL_ATTEMPTS attempts of at most
// AWS_CONNECTION_TIMEOUT_MS + AWS_REQUEST_TIMEOUT_MS each, with the SDK's backoff between them. In-region
// DynamoDB and SSM answer in milliseconds; these bounds only cut off calls that would not answer at all.
// test/template/time-budget.test.ts sizes the function timeouts on them.

export const AWS_CALL_ATTEMPTS = 2;
export const AWS_CONNECTION_TIMEOUT_MS = 500;
export const AWS_REQUEST_TIMEOUT_MS = 1_500;

// The SDK standard retry waits less than min(500 ms x 2^retry, 20 s) before a retry (full jitter on its
// largest base, the one for throttling; @smithy/core retry).
const SDK_BACKOFF_BASE_MS = 500;
const SDK_MAX_BACKOFF_MS = 20_000;

/** The longest one AWS SDK call can take with these settings: every attempt to its timeouts, every pause to its bound. */
export const AWS_CALL_WORST_MS =
  AWS_CALL_ATTEMPTS * (AWS_CONNECTION_TIMEOUT_MS + AWS_REQUEST_TIMEOUT_MS) +
  Array.from({ length: AWS_CALL_ATTEMPTS - 1 }, (_, retry) =>
    Math.min(SDK_BACKOFF_BASE_MS * 2 ** retry, SDK_MAX_BACKOFF_MS),
  ).reduce((sum, ms) => sum + ms, 0);

export const awsClientSettings = () => ({
  maxAttempts: AWS_CALL_ATTEMPTS,
  requestHandler: {
    connectionTimeout: AWS_CONNECTION_TIMEOUT_MS,
    requestTimeout: AWS_REQUEST_TIMEOUT_MS,
    // Without it the SDK only logs a request past requestTimeout and keeps waiting.
    throwOnRequestTimeout: true,
  },
});
