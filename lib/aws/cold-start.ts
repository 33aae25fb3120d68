// The exported Lambda handlers build their real dependencies once per execution environment (cold
// start), on the first invocation rather than at module load: the AWS SDK clients load on first use, so
// a failed or slow build shows up in that invocation's logs, and a build that failed (an SSM outage, a
// bad secret) is retried by the next invocation instead of poisoning the environment.

export type AsyncHandler<E, C, R> = (event: E, context: C) => Promise<R>;

export function onFirstInvocation<E, C, R>(
  build: () => Promise<AsyncHandler<E, C, R>>,
): AsyncHandler<E, C, R> {
  let built: Promise<AsyncHandler<E, C, R>> | undefined;
  return async (event, context) => {
    built ??= build().catch((error: unknown) => {
      built = undefined;
      throw error;
    });
    return (await built)(event, context);
  };
}
