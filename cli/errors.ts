/** The base of the errors the CLI itself raises (usage, missing credentials), with `cause` when known. */
export class CliError extends Error {
  override name = 'CliError';
}
