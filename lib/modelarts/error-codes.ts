/** error_code values ModelArts documents (update-pool.txt, create-pool.txt, related-apis.md §6). */
export const ErrorCodes = {
  badRequest: 'ModelArts.50004000',
  invalidToken: 'ModelArts.50001000',
  poolNotFound: 'ModelArts.50015001',
  poolExists: 'ModelArts.50015000',
  internal: 'ModelArts.50005000',
  poolNotRunning: 'ModelArts.2887',
  tooManyRequests: 'ModelArts.2799',
  operationsConflict: 'ModelArts.5044',
  // No code is published for a project the caller may not use; this one follows the 8-digit pattern.
  forbiddenProject: 'ModelArts.50003000',
  // No code is published for an unknown node (batch-delete's docs give only the message); chosen likewise.
  nodeNotFound: 'ModelArts.50015002',
  signatureFailed: 'APIGW.0301',
  signatureExpired: 'APIGW.0303',
  noSuchApi: 'APIGW.0101',
} as const;
