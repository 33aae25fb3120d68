// ModelArts' answer when another operation on the pool is still running (409, ModelArts.5044); the wait it
// starts is lib/capacity/conflict.ts.

import { ErrorCodes } from '../modelarts/error-codes';
import { ModelArtsApiError } from '../modelarts/errors';

export const isConflict = (error: unknown): error is ModelArtsApiError =>
  error instanceof ModelArtsApiError &&
  (error.status === 409 || error.errorCode === ErrorCodes.operationsConflict);
