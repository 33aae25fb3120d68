import { GetParameterCommand } from '@aws-sdk/client-ssm';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeHandler } from '../../functions/webhook';
import { signWebhook, verifyWebhook, webhookSignature } from '../../lib/aws/webhook-signature';
import type { Config } from '../../lib/config';
import { runCycle } from '../../lib/cycle';
import {
  AWS_BACKLOG_READS,
  awsBacklogReads,
  awsBacklogSources,
  signedConnections,
  TEST_AK,
  WEBHOOK_SECRET_PARAMETER,
} from './aws-fakes';
import { setUpFunctionTests } from './function-tests';
import {
  DEMO_WEBHOOK_SECRET,
  decisions,
  emfDocuments,
  lambdaContext,
  MULTI_POOL,
  NOW,
  patchedCounts,
  patchRequests,
  readEvent,
  SAMPLE_FLAVOR,
  SAMPLE_POOL,
  sampleConfig,
} from './harness';
import { describeRolePermissions } from './role-permissions';

const tests = setUpFunctionTests('webhook');
let sample: APIGatewayProxyEventV2;

beforeAll(async () => {
  sample = await readEvent<APIGatewayProxyEventV2>('webhook');
});

const handlerFor = async (config: Config) => makeHandler(await tests.deps(config));

/** The sample event with another body (raw text), signed now with the demo secret unless told otherwise. */
function request(
  body: string,
  options: { secret?: string; signedAt?: number; headers?: Record<string, string>; base64?: boolean } = {},
): APIGatewayProxyEventV2 {
  const signature = signWebhook(options.secret ?? DEMO_WEBHOOK_SECRET, body, options.signedAt ?? NOW);
  return {
    ...sample,
    headers: { ...sample.headers, ...signature, ...options.headers },
    body: options.base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: options.base64 ?? false,
  };
}

const scaleBody = (fields: Record<string, unknown>) =>
  JSON.stringify({ pool: SAMPLE_POOL, flavor: SAMPLE_FLAVOR, ...fields });

const json = (response: APIGatewayProxyStructuredResultV2) => {
  expect(response.headers?.['content-type']).toBe('application/json');
  return JSON.parse(response.body ?? '') as Record<string, unknown>;
};

describe('webhook', () => {
  it('accepts the sample request re-signed now, and scales the flavor up (202)', async () => {
    const handler = await handlerFor(await sampleConfig(tests.emulator.url));
    const response = await handler(request(sample.body ?? ''), lambdaContext());

    expect(response.statusCode).toBe(202);
    expect(json(response)).toMatchObject({
      status: 'accepted',
      pool: SAMPLE_POOL,
      flavor: SAMPLE_FLAVOR,
      dryRun: false,
      outcome: 'patched',
      current: 3,
      target: 6,
      action: 'scale-up',
    });
    expect(patchedCounts(tests.emulator, SAMPLE_POOL)).toEqual([[expect.objectContaining({ count: 6 })]]);
  });

  it('raises the target with a higher backlog or minimum', async () => {
    const handler = await handlerFor(await sampleConfig(tests.emulator.url));
    const response = await handler(request(scaleBody({ backlog: 7, minCount: 8 })), lambdaContext());

    expect(json(response)).toMatchObject({
      outcome: 'patched',
      target: 8,
      reasons: expect.arrayContaining(['min-count']),
    });
    expect(tests.emulator.pool(SAMPLE_POOL)?.spec.resources[0]?.count).toBe(8);
  });

  it('never lowers a target: a low backlog or minimum changes nothing the read backlog asks for', async () => {
    const handler = await handlerFor(
      await sampleConfig(tests.emulator.url, (document) => ({ ...document, pools: [document.pools[0]] })),
    );
    const response = await handler(request(scaleBody({ backlog: 0, minCount: 1 })), lambdaContext());

    // The configured source says 6: a pushed 0 cannot pull the flavor below what that asks for.
    expect(json(response)).toMatchObject({ target: 6 });
    expect(tests.emulator.pool(SAMPLE_POOL)?.spec.resources[0]?.count).toBe(6);
  });

  it('never scales a pool in, even where the regular cycle would', async () => {
    const config = await sampleConfig(tests.emulator.url, (document) => ({
      ...document,
      pools: [
        {
          name: SAMPLE_POOL,
          flavors: [
            {
              flavor: SAMPLE_FLAVOR,
              max: 8,
              backlog: { source: { type: 'static', value: 1 } },
              scaleDown: { stabilizationWindowSeconds: 0, cooldownSeconds: 0 },
            },
          ],
        },
      ],
    }));
    const before = tests.emulator.pool(SAMPLE_POOL)?.spec.resources[0]?.count as number;
    // The scheduled path would shrink this pool (backlog 1 wants 1 node)...
    const webhook = await handlerFor(config);
    const planned = await runCycle(
      config,
      { ...(await tests.deps(config)).cycle, owner: 'probe' },
      { dryRun: true },
    );
    expect(planned.plan.pools[0]?.flavors[0]?.target).toBeLessThan(before);

    // ...a webhook asking for 2 nodes must not.
    const response = await webhook(request(scaleBody({ minCount: 2 })), lambdaContext());
    expect(response.statusCode).toBe(202);
    expect(tests.emulator.pool(SAMPLE_POOL)?.spec.resources[0]?.count).toBe(before);
    expect(patchRequests(tests.emulator)).toEqual([]);
  });

  it('answers with the plan and changes nothing for a dry run', async () => {
    const handler = await handlerFor(await sampleConfig(tests.emulator.url));
    const response = await handler(request(scaleBody({ minCount: 5, dryRun: true })), lambdaContext());

    expect(response.statusCode).toBe(202);
    expect(json(response)).toMatchObject({ dryRun: true, outcome: 'dry-run', target: 6 });
    expect(patchRequests(tests.emulator)).toEqual([]);
  });

  it('has a sample signed with the documented demo secret at its own timestamp', () => {
    const signedAt = Number(sample.headers['x-autoscaler-timestamp']) * 1000;
    expect(
      verifyWebhook({
        headers: sample.headers,
        rawBody: sample.body ?? '',
        secrets: [DEMO_WEBHOOK_SECRET],
        now: signedAt,
      }),
    ).toEqual({ ok: true });
  });

  it('refuses the sample as captured: its timestamp is long past (replay), 401', async () => {
    const handler = await handlerFor(await sampleConfig(tests.emulator.url));
    const response = await handler(sample, lambdaContext());

    expect(response.statusCode).toBe(401);
    expect(json(response)).toEqual({ error: 'unauthorized', message: expect.stringMatching(/5 minutes/) });
    expect(tests.emulator.requests).toEqual([]);
  });

  it.each([
    ['signed with another secret', { secret: 'not-the-secret' }],
    ['signed more than 5 minutes ahead', { signedAt: NOW + 301_000 }],
    ['without a signature', { headers: { 'x-autoscaler-signature': '' } }],
    ['with a truncated signature', { headers: { 'x-autoscaler-signature': 'sha256=abc' } }],
  ])('refuses a request %s (401)', async (_, options) => {
    const handler = await handlerFor(await sampleConfig(tests.emulator.url));
    const response = await handler(request(scaleBody({ minCount: 5 }), options), lambdaContext());

    expect(response.statusCode).toBe(401);
    expect(json(response).error).toBe('unauthorized');
    expect(tests.emulator.requests).toEqual([]);
  });

  it('refuses a body that differs from the signed one (401)', async () => {
    const handler = await handlerFor(await sampleConfig(tests.emulator.url));
    const signed = request(scaleBody({ minCount: 2 }));
    const response = await handler({ ...signed, body: scaleBody({ minCount: 8 }) }, lambdaContext());

    expect(response.statusCode).toBe(401);
  });

  it('refuses bodies over 16 KiB, plain or base64-encoded, before checking anything else (413)', async () => {
    const handler = await handlerFor(await sampleConfig(tests.emulator.url));
    const oversized = scaleBody({ minCount: 5, padding: 'x'.repeat(16 * 1024) });
    for (const event of [request(oversized), request(oversized, { base64: true })]) {
      const response = await handler(event, lambdaContext());
      expect(response.statusCode).toBe(413);
      expect(json(response)).toMatchObject({ error: 'body-too-large' });
    }
  });

  it('measures a base64-encoded body decoded, and verifies the signature over the decoded bytes', async () => {
    const handler = await handlerFor(await sampleConfig(tests.emulator.url));
    const body = scaleBody({ minCount: 4, dryRun: true });
    const response = await handler(request(body, { base64: true }), lambdaContext());

    expect(response.statusCode).toBe(202);
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', ''])(
    'refuses Content-Type %j (415)',
    async (type) => {
      const handler = await handlerFor(await sampleConfig(tests.emulator.url));
      const response = await handler(
        request(scaleBody({ minCount: 5 }), { headers: { 'content-type': type } }),
        lambdaContext(),
      );

      expect(response.statusCode).toBe(415);
      expect(json(response)).toMatchObject({ error: 'unsupported-media-type' });
    },
  );

  it('accepts application/json with a charset', async () => {
    const handler = await handlerFor(await sampleConfig(tests.emulator.url));
    const event = request(scaleBody({ minCount: 4, dryRun: true }), {
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect((await handler(event, lambdaContext())).statusCode).toBe(202);
  });

  it.each([
    ['a missing flavor', JSON.stringify({ pool: SAMPLE_POOL, minCount: 2 }), 'flavor'],
    ['neither backlog nor minCount', scaleBody({}), 'backlog'],
    ['a minCount of 0', scaleBody({ minCount: 0 }), 'minCount'],
    ['a negative backlog', scaleBody({ backlog: -1 }), 'backlog'],
    ['an unknown connection', scaleBody({ minCount: 2, connection: 'nope' }), 'connection'],
  ])('refuses a signed body with %s, naming the field (400)', async (_, body, field) => {
    const handler = await handlerFor(await sampleConfig(tests.emulator.url));
    const response = await handler(request(body), lambdaContext());

    expect(response.statusCode).toBe(400);
    const answer = json(response);
    expect(answer.error).toBe('invalid-request');
    expect(answer.problems).toContainEqual(expect.objectContaining({ field }));
    expect(answer.message).toContain(`${field}: `);
  });

  it('refuses a signed body that is not JSON (400)', async () => {
    const handler = await handlerFor(await sampleConfig(tests.emulator.url));
    const response = await handler(request('{"pool": '), lambdaContext());

    expect(response.statusCode).toBe(400);
    expect(json(response)).toEqual({ error: 'invalid-json', message: 'the body is not valid JSON' });
  });

  it.each([
    ['the config does not name', 'auto-pool-os-86c13962597848eeb29c5861153a391f'],
    ['ModelArts does not have', 'no-such-pool'],
  ])('answers 404 for a pool %s', async (_, pool) => {
    const selected = await sampleConfig(tests.emulator.url, (document) => ({
      ...document,
      pools: [
        ...document.pools,
        {
          selector: { labels: { team: 'nobody' } },
          flavors: [{ flavor: '*', max: 8, backlog: { source: { type: 'static', value: 1 } } }],
        },
      ],
    }));
    const configs = [await sampleConfig(tests.emulator.url), selected];
    for (const config of configs) {
      const response = await (await handlerFor(config))(
        request(JSON.stringify({ pool, flavor: SAMPLE_FLAVOR, minCount: 2 })),
        lambdaContext(),
      );
      expect(response.statusCode).toBe(404);
      expect(json(response)).toMatchObject({ error: 'unknown-pool' });
    }
  });

  it('answers 502 with the reason when the pool cannot be scaled', async () => {
    tests.emulator.failNext('patchPool', 10, { status: 500, errorCode: 'ModelArts.50015000' });
    const response = await (await handlerFor(await sampleConfig(tests.emulator.url)))(
      request(scaleBody({ minCount: 5 })),
      lambdaContext(),
    );

    expect(response.statusCode).toBe(502);
    expect(json(response)).toMatchObject({ error: 'scale-failed', message: expect.stringContaining('500') });
  });

  it('answers 500 with a JSON body and no stack trace or secret when something unexpected fails', async () => {
    tests.aws.ssm
      .on(GetParameterCommand, { Name: WEBHOOK_SECRET_PARAMETER })
      .rejects(new Error('SSM is down'));
    const handler = await handlerFor(await sampleConfig(tests.emulator.url));
    const response = await handler(request(scaleBody({ minCount: 5 })), lambdaContext('req-500'));

    expect(response.statusCode).toBe(500);
    expect(json(response)).toEqual({
      error: 'internal-error',
      message: 'the request could not be processed',
      requestId: 'req-500',
    });
    expect(response.body).not.toMatch(/\bat |SSM is down/);
  });

  it('never writes the secret or a signature it computed to the logs', async () => {
    const handler = await handlerFor(await sampleConfig(tests.emulator.url));
    const body = scaleBody({ minCount: 5 });
    await handler(request(body, { secret: 'wrong' }), lambdaContext());
    await handler(request(body), lambdaContext());

    const logged = JSON.stringify(tests.output.lines());
    expect(logged).not.toContain(DEMO_WEBHOOK_SECRET);
    expect(logged).not.toContain(webhookSignature(DEMO_WEBHOOK_SECRET, String(NOW / 1000), body).slice(7));
  });

  it('signs its ModelArts requests with the AK/SK of its credentials parameter', async () => {
    const emulator = await tests.verifySignatures();
    const handler = await handlerFor(await sampleConfig(emulator.url, signedConnections));
    const response = await handler(request(scaleBody({ minCount: 5 })), lambdaContext());

    expect(json(response)).toMatchObject({ outcome: 'patched', target: 6 });
    // Every request, whatever the number the cycle makes, is signed with the parameter's AK/SK.
    const authorizations = emulator.requests.map((request) => request.headers.authorization);
    expect(authorizations.length).toBeGreaterThan(0);
    for (const authorization of authorizations) expect(authorization).toContain(`Access=${TEST_AK}`);
  });

  it("reads the pool's other backlogs from SQS and CloudWatch, and raises none of them", async () => {
    const handler = await handlerFor(await sampleConfig(tests.emulator.url, awsBacklogSources));
    const body = JSON.stringify({ pool: MULTI_POOL, flavor: 'modelarts.vm.gpu.t4u8', backlog: 1 });
    const response = await handler(request(body), lambdaContext());

    expect(json(response)).toMatchObject({ status: 'accepted', outcome: 'unchanged' });
    expect(awsBacklogReads(tests.aws, tests.output.lines())).toEqual(AWS_BACKLOG_READS);
  });
});

describe('webhook replays', () => {
  it('refuses a second use of a signed request with 409, before any ModelArts call', async () => {
    const handler = await handlerFor(await sampleConfig(tests.emulator.url));
    const signed = request(scaleBody({ minCount: 5 }));
    expect((await handler(signed, lambdaContext('first'))).statusCode).toBe(202);
    const sent = tests.emulator.requests.length;

    const replayed = await handler(signed, lambdaContext('replayed'));
    expect(replayed.statusCode).toBe(409);
    expect(json(replayed)).toEqual({
      error: 'replayed',
      message: expect.stringMatching(/sign each request/),
    });
    expect(tests.emulator.requests).toHaveLength(sent);
  });

  it('refuses a replay whose signature is spelled in capitals', async () => {
    const handler = await handlerFor(await sampleConfig(tests.emulator.url));
    const signed = request(scaleBody({ minCount: 5, dryRun: true }));
    const signature = signed.headers['x-autoscaler-signature'] as string;
    await handler(signed, lambdaContext());
    const shouted = {
      ...signed,
      headers: {
        ...signed.headers,
        'x-autoscaler-signature': `sha256=${signature.slice('sha256='.length).toUpperCase()}`,
      },
    };

    expect((await handler(shouted, lambdaContext())).statusCode).toBe(409);
  });

  it('accepts the same body signed again with a new timestamp', async () => {
    const handler = await handlerFor(await sampleConfig(tests.emulator.url));
    const body = scaleBody({ minCount: 5, dryRun: true });
    expect((await handler(request(body), lambdaContext())).statusCode).toBe(202);
    expect((await handler(request(body, { signedAt: NOW - 1_000 }), lambdaContext())).statusCode).toBe(202);
  });

  it('lets a request refused for its body be sent again unchanged: nothing was claimed', async () => {
    const handler = await handlerFor(await sampleConfig(tests.emulator.url));
    const invalid = request(scaleBody({}));
    expect((await handler(invalid, lambdaContext())).statusCode).toBe(400);
    expect((await handler(invalid, lambdaContext())).statusCode).toBe(400);
  });
});

describe('webhook replays across instances', () => {
  it('refuses on one instance a request another accepted: the signatures are kept in the state table', async () => {
    // Two cold starts of the function, each with its own deps, on the stack's one state table.
    const config = await sampleConfig(tests.emulator.url);
    const [one, two] = [makeHandler(await tests.deps(config)), makeHandler(await tests.deps(config))];
    const signed = request(scaleBody({ minCount: 5 }));

    expect((await one(signed, lambdaContext('one'))).statusCode).toBe(202);
    expect((await two(signed, lambdaContext('two'))).statusCode).toBe(409);
    expect(patchRequests(tests.emulator)).toHaveLength(1);
  });
});

describe('webhook pool names', () => {
  const CALLER_POOL = 'caller-chosen-6f1d2c9a';
  const withSelector = (selector: Record<string, unknown>) =>
    sampleConfig(tests.emulator.url, (document) => ({
      ...document,
      pools: [
        ...document.pools,
        { selector, flavors: [{ flavor: '*', max: 8, backlog: { source: { type: 'static', value: 1 } } }] },
      ],
    }));
  const ask = async (config: Config, pool: string) =>
    (await handlerFor(config))(
      request(JSON.stringify({ pool, flavor: SAMPLE_FLAVOR, minCount: 2 })),
      lambdaContext(),
    );
  const dimensioned = () => emfDocuments(tests.output.lines()).filter((document) => 'connection' in document);

  it('refuses a pool no config entry can manage before any cycle: no ModelArts call, no decision, no metric', async () => {
    const response = await ask(await sampleConfig(tests.emulator.url), CALLER_POOL);

    expect(response.statusCode).toBe(404);
    expect(tests.emulator.requests).toEqual([]);
    expect(decisions(tests.output.lines())).toEqual([]);
    expect(dimensioned()).toEqual([]);
    expect(JSON.stringify(tests.output.lines())).not.toContain(CALLER_POOL);
  });

  it('records nothing with the name of a pool only a selector could match and ModelArts does not have', async () => {
    const response = await ask(await withSelector({ labels: { team: 'nobody' } }), CALLER_POOL);

    expect(response.statusCode).toBe(404);
    expect(tests.emulator.requests.map((sent) => `${sent.route} ${sent.status}`)).toEqual(['getPool 404']);
    expect(decisions(tests.output.lines())).toEqual([]);
    expect(dimensioned()).toEqual([]);
    expect(JSON.stringify(tests.output.lines())).not.toContain(CALLER_POOL);
    expect(tests.output.lines()).toContainEqual(
      expect.objectContaining({ message: expect.stringMatching(/withheld/), httpStatus: 404 }),
    );
  });

  it('records a pool a selector matched once ModelArts returned it, with its name as a dimension (metrics.perPool)', async () => {
    const config = await sampleConfig(tests.emulator.url, (document) => ({
      ...document,
      metrics: { perPool: true },
      pools: [
        {
          selector: {},
          flavors: [{ flavor: '*', max: 8, backlog: { source: { type: 'static', value: 1 } } }],
        },
      ],
    }));
    const response = await ask(config, SAMPLE_POOL);

    expect(response.statusCode).toBe(202);
    expect(decisions(tests.output.lines())).toContainEqual(expect.objectContaining({ pool: SAMPLE_POOL }));
    expect(dimensioned()).toContainEqual(expect.objectContaining({ pool: SAMPLE_POOL }));
  });

  it('still records a pool the config names that ModelArts does not have: the name is the config’s', async () => {
    const config = await sampleConfig(tests.emulator.url, (document) => ({
      ...document,
      pools: [{ ...document.pools[0], name: 'configured-but-gone' }],
    }));
    const response = await ask(config, 'configured-but-gone');

    expect(response.statusCode).toBe(404);
    expect(decisions(tests.output.lines())).toContainEqual(
      expect.objectContaining({ pool: 'configured-but-gone', outcome: 'failed' }),
    );
  });
});

describeRolePermissions(tests);
