/** A message a receiver did not accept. Messages name the receiver and the failure, never a secret or URL query. */
export class NotifyError extends Error {
  readonly channel: string;

  constructor(channel: string, problem: string, options?: { cause?: unknown }) {
    super(`notification to ${channel}: ${problem}`, options);
    this.name = 'NotifyError';
    this.channel = channel;
  }
}
