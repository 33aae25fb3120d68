// Credentials come from the environment or SSM at run time. A config file is copied, committed and pasted
// into tickets, so a credential-looking key the schema does not know is refused with its own message, and its
// value is never repeated. (Keys the schema accepts, such as a header name mapped to an environment variable
// name, are not credentials.)

const credentialKeys = new Set([
  'ak',
  'sk',
  'accesskey',
  'accesskeyid',
  'secretkey',
  'secretaccesskey',
  'accesskeysecret',
  'secret',
  'clientsecret',
  'password',
  'passwd',
  'token',
  'authtoken',
  'bearertoken',
  'securitytoken',
  'sessiontoken',
  'apikey',
  'privatekey',
]);

export const isCredentialKey = (key: string): boolean =>
  credentialKeys.has(key.toLowerCase().replace(/[-_]/g, ''));

export const credentialKeyMessage =
  "secrets don't belong in the config file: supply credentials through the environment or SSM (value not shown)";
