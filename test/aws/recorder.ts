// Records every AWS SDK command a test's code sends: through a middleware on real clients (DynamoDB against
// dynalite), and from the call history aws-sdk-client-mock keeps for mocked clients (SQS, SSM, CloudWatch),
// whose `send` it replaces so that no middleware runs. Nothing here knows any command: whatever the code
// sends is recorded, with its input, its answer and the client's region.

import type { AwsStub } from 'aws-sdk-client-mock';

export interface AwsCall {
  /** The SDK's service id: DynamoDB, SQS, SSM, CloudWatch... */
  service: string;
  /** The operation, as in the API reference: UpdateItem, GetParameter... */
  command: string;
  input: Record<string, unknown>;
  /** The answer, when there was one (a failed call is still a call IAM had to allow). */
  output?: unknown;
  region: string;
  /** The test that sent it. */
  test: string;
}

/** The parts of an SDK v3 client used here. */
interface SdkClient {
  config: { serviceId?: string; region: string | (() => Promise<string>) };
  middlewareStack: {
    add(
      middleware: (
        next: (args: { input: unknown }) => Promise<{ output: unknown }>,
        context: { clientName?: string; commandName?: string },
      ) => (args: { input: unknown }) => Promise<{ output: unknown }>,
      options: { step: 'initialize'; name: string; override: boolean },
    ): void;
  };
}
// biome-ignore lint/suspicious/noExplicitAny: the stubs of any client
type AnyStub = AwsStub<any, any, any>;

type Untagged = Omit<AwsCall, 'test'>;

const regionOf = async (client: SdkClient): Promise<string> =>
  typeof client.config.region === 'function' ? await client.config.region() : client.config.region;

const serviceOf = (client: SdkClient, className: string): string =>
  client.config.serviceId ?? className.replace(/Client$/, '');

const operationOf = (commandName: string) => commandName.replace(/Command$/, '');

export class AwsCallRecorder {
  readonly #calls: AwsCall[] = [];
  #pending: (Untagged | Promise<Untagged>)[] = [];

  /** Records every command this real client sends (and clients wrapping it, like lib-dynamodb's, send). */
  attach<C extends object>(real: C): C {
    const client = real as unknown as SdkClient;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const call = {
          service: serviceOf(client, String(context.clientName)),
          command: operationOf(String(context.commandName)),
          input: args.input as Record<string, unknown>,
          region: await regionOf(client),
        };
        try {
          const result = await next(args);
          this.#pending.push({ ...call, output: result.output });
          return result;
        } catch (error) {
          this.#pending.push(call);
          throw error;
        }
      },
      { step: 'initialize', name: 'recordAwsCall', override: true },
    );
    return real;
  }

  /** Takes the commands the mocked clients were sent; call it before the mocks are reset. */
  takeFromMocks(mocks: readonly AnyStub[]): void {
    for (const mock of mocks) {
      for (const call of mock.calls()) {
        const client = call.thisValue as SdkClient;
        const command = call.args[0] as { input: Record<string, unknown>; constructor: { name: string } };
        this.#pending.push(
          (async () => ({
            service: serviceOf(client, client.constructor.name),
            command: operationOf(command.constructor.name),
            input: command.input,
            output: await Promise.resolve(call.returnValue).catch(() => undefined),
            region: await regionOf(client),
          }))(),
        );
      }
    }
  }

  /** Files the calls made since the last test under that test's name. */
  async endTest(test: string): Promise<void> {
    const pending = this.#pending;
    this.#pending = [];
    for (const call of await Promise.all(pending)) this.#calls.push({ ...call, test });
  }

  calls(): readonly AwsCall[] {
    return this.#calls;
  }
}
