import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/config/issues';
import { parseConfig } from '../../lib/config/load';
import { minimalConfig, toYaml } from './fixtures';

type Doc = Record<string, unknown> & {
  pools: Record<string, unknown>[];
  connections: Record<string, unknown>[];
};

const problemsOf = (document: unknown, env: Record<string, string> = {}): string[] => {
  try {
    parseConfig({ text: toYaml(document), env });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // The message lists exactly the issues, one per line after the heading.
    expect(error.message.split('\n').slice(1)).toEqual(error.issues.map((i) => `${i.path}: ${i.message}`));
    return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
  }
  throw new Error('expected the config to be refused');
};

const withDoc = (change: (doc: Doc) => void): Doc => {
  const doc = minimalConfig() as unknown as Doc;
  change(doc);
  return doc;
};

const flavor = (extra: Record<string, unknown> = {}) => ({
  flavor: 'f',
  max: 4,
  backlog: { source: { type: 'static', value: 1 } },
  ...extra,
});

describe('config errors', () => {
  it('name the field and the bound, with the merged min', () => {
    const doc = withDoc((d) => {
      d.pools[0] = { name: 'p', defaults: { min: 3 }, flavors: [flavor({ max: 1 })] };
    });
    expect(problemsOf(doc)).toEqual(['pools[0].flavors[0].max: must be >= min (got 1 < 3)']);
  });

  it('name a job state the modelarts-workloads source does not know, and list the known ones', () => {
    const doc = withDoc((d) => {
      d.defaults = { backlog: { source: { type: 'modelarts-workloads', statuses: ['Queue', 'Queued'] } } };
    });
    expect(problemsOf(doc)).toEqual([
      'defaults.backlog.source.statuses[1]: must be one of "Queue", "Pending", "Abnormal", "Terminating", ' +
        '"Creating", "Running", "Completed", "Terminated", "Failed"',
    ]);
  });

  it('list every problem of a config at once, in file order', () => {
    const doc = withDoc((d) => {
      d.intervalSeconds = 0;
      d.pools = [
        { name: 'p1', flavors: [flavor({ min: 0 })] },
        { name: 'p2', flavors: [flavor({ tolerance: 1.5 }), flavor({ flavor: 'g', max: 1, min: 2 })] },
        { name: 'p3', flavors: [flavor({ unknownKnob: 1 })] },
      ];
    });
    expect(problemsOf(doc)).toEqual([
      'intervalSeconds: must be >= 1 (got 0)',
      'pools[0].flavors[0].min: must be >= 1 (got 0)',
      'pools[1].flavors[0].tolerance: must be < 1 (got 1.5)',
      'pools[1].flavors[1].max: must be >= min (got 1 < 2)',
      'pools[2].flavors[0].unknownKnob: unknown field',
    ]);
  });

  it('suggest the field an unknown key was most likely meant to be', () => {
    const doc = withDoc((d) => {
      d.intervalSecond = 60;
      d.dryrun = true;
      d.pools = [
        {
          name: 'p',
          pasued: 'all',
          flavors: [
            flavor({
              maxx: 3,
              backlog: { targetPerNod: 2, source: { type: 'static', value: 1 } },
              scaleDown: { stabilizationWindow: 300 },
              colour: 'blue',
            }),
          ],
        },
      ];
    });
    expect(problemsOf(doc)).toEqual([
      'dryrun: unknown field: did you mean "dryRun"?',
      'intervalSecond: unknown field: did you mean "intervalSeconds"?',
      'pools[0].flavors[0].backlog.targetPerNod: unknown field: did you mean "targetPerNode"?',
      'pools[0].flavors[0].colour: unknown field',
      'pools[0].flavors[0].maxx: unknown field: did you mean "max"?',
      'pools[0].flavors[0].scaleDown.stabilizationWindow: unknown field: did you mean "stabilizationWindowSeconds"?',
      'pools[0].pasued: unknown field: did you mean "paused"?',
    ]);
  });

  it('suggest a field of the source type that was picked, inside a union', () => {
    const doc = withDoc((d) => {
      d.pools = [{ name: 'p', flavors: [flavor({ backlog: { source: { type: 'sqs', queueUrll: 'q' } } })] }];
    });
    expect(problemsOf(doc)).toContain(
      'pools[0].flavors[0].backlog.source.queueUrll: unknown field: did you mean "queueUrl"?',
    );
  });

  it('refuse references to unknown connections and ask for one when several exist', () => {
    const doc = withDoc((d) => {
      d.connections.push({ name: 'second', region: 'cn-north-4', projectId: 'p2' });
      d.pools = [
        { name: 'a', connection: 'nope', flavors: [flavor()] },
        { name: 'b', flavors: [flavor()] },
      ];
    });
    expect(problemsOf(doc)).toEqual([
      'pools[0].connection: unknown connection "nope" (known: "main", "second")',
      'pools[1].connection: required when several connections are listed ("main", "second")',
    ]);
  });

  it('refuse duplicate connection names, pool names, selectors and flavors', () => {
    const doc = withDoc((d) => {
      d.connections.push({ name: 'main', region: 'cn-north-5', projectId: 'p2' });
      d.pools = [
        { name: 'a', connection: 'main', flavors: [flavor(), flavor()] },
        { name: 'a', connection: 'main', flavors: [flavor({ flavor: '*' }), flavor({ flavor: '*' })] },
        { selector: { labels: { x: '1', y: '2' } }, connection: 'main', flavors: [flavor()] },
        { selector: { labels: { y: '2', x: '1' } }, connection: 'main', flavors: [flavor()] },
      ];
    });
    expect(problemsOf(doc)).toEqual([
      'connections[1].name: duplicate connection name "main" (also at connections[0].name)',
      'pools[0].flavors[1].flavor: duplicate flavor "f" in this pool (also at pools[0].flavors[0].flavor)',
      'pools[1].flavors[1].flavor: duplicate flavor "*" in this pool (also at pools[1].flavors[0].flavor)',
      'pools[1].name: duplicate pool name "a" on connection "main" (also at pools[0].name)',
      'pools[3].selector: duplicate selector (the same pools would be matched twice) (also at pools[2].selector)',
    ]);
  });

  it('refuse two connections to the same project on the same endpoint, naming both', () => {
    const doc = withDoc((d) => {
      d.connections.push(
        { name: 'main-again', region: 'cn-north-4', projectId: 'project-1' },
        // The region's public endpoint spelled out, as the client would resolve it for `main`.
        {
          name: 'main-spelled-out',
          region: 'cn-north-4',
          projectId: 'project-1',
          endpoint: 'https://MODELARTS.cn-north-4.myhuaweicloud.com/',
        },
      );
      d.pools[0] = { ...(d.pools[0] as object), connection: 'main' };
    });
    const tail = 'so their pools would be managed twice: keep one connection and point its pools at it';
    expect(problemsOf(doc)).toEqual([
      'connections[1]: connection "main-again" reaches the same project on the same endpoint as connection ' +
        `"main" (connections[0]), ${tail}`,
      'connections[2]: connection "main-spelled-out" reaches the same project on the same endpoint as ' +
        `connection "main" (connections[0]), ${tail}`,
    ]);
  });

  it('allow one project on two endpoints, and two projects on one endpoint', () => {
    const doc = withDoc((d) => {
      d.connections.push(
        { name: 'gateway', region: 'cn-north-4', projectId: 'project-1', endpoint: 'https://gw.example' },
        { name: 'other', region: 'cn-north-4', projectId: 'project-2' },
      );
      d.pools[0] = { ...(d.pools[0] as object), connection: 'main' };
    });
    expect(parseConfig({ text: toYaml(doc), env: {} }).connections).toHaveLength(3);
  });

  it('allow the same pool name on two different connections', () => {
    const doc = withDoc((d) => {
      d.connections.push({ name: 'other', region: 'cn-north-5', projectId: 'p2' });
      d.pools = [
        { name: 'a', connection: 'main', flavors: [flavor()] },
        { name: 'a', connection: 'other', flavors: [flavor()] },
      ];
    });
    expect(parseConfig({ text: toYaml(doc), env: {} }).pools).toHaveLength(2);
  });

  it('want exactly one of name and selector', () => {
    const doc = withDoc((d) => {
      d.pools = [{ name: 'a', selector: { labels: {} }, flavors: [flavor()] }, { flavors: [flavor()] }];
    });
    expect(problemsOf(doc)).toEqual([
      'pools[0]: set exactly one of name and selector',
      'pools[1]: set exactly one of name and selector',
    ]);
  });

  it('want max and a backlog source somewhere in the inheritance chain', () => {
    const doc = withDoc((d) => {
      d.pools = [{ name: 'a', flavors: [{ flavor: 'f' }] }];
    });
    expect(problemsOf(doc)).toEqual([
      'pools[0].flavors[0].backlog.source: required: set it on the flavor, in the pool defaults or in the global defaults',
      'pools[0].flavors[0].max: required: set it on the flavor, in the pool defaults or in the global defaults',
    ]);
  });

  it('check AZ weights, step policies and the fallback count', () => {
    const doc = withDoc((d) => {
      d.pools = [
        {
          name: 'a',
          flavors: [
            flavor({
              azStrategy: { weighted: { 'cn-north-4a': 0, 'cn-north-4b': 0 } },
              scaleUp: {
                policies: [
                  { type: 'Nodes', value: 0, periodSeconds: 15 },
                  { type: 'Nodes', value: 1.5, periodSeconds: 15 },
                  { type: 'Percent', value: -5, periodSeconds: 0 },
                ],
              },
            }),
            flavor({ flavor: 'g', fallback: { fixed: 9 }, scaleDown: { policies: [] } }),
            flavor({ flavor: 'h', scaleDown: { policies: [], selectPolicy: 'Disabled' } }),
            flavor({
              flavor: 'i',
              scaleDown: { policies: [{ type: 'Percent', value: 150, periodSeconds: 60 }] },
            }),
          ],
        },
      ];
    });
    expect(problemsOf(doc)).toEqual([
      'pools[0].flavors[0].azStrategy.weighted: weights must add up to more than 0',
      'pools[0].flavors[0].scaleUp.policies[0].value: must be > 0 (got 0)',
      'pools[0].flavors[0].scaleUp.policies[1].value: must be a whole number for Nodes (got 1.5)',
      'pools[0].flavors[0].scaleUp.policies[2].periodSeconds: must be >= 1 (got 0)',
      'pools[0].flavors[0].scaleUp.policies[2].value: must be > 0 (got -5)',
      'pools[0].flavors[1].fallback.fixed: must be between min and max (got 9, 1..4)',
      'pools[0].flavors[1].scaleDown.policies: must list at least one policy unless selectPolicy is Disabled',
      'pools[0].flavors[3].scaleDown.policies[0].value: must be <= 100 to scale down (got 150)',
    ]);
  });

  it('say what a union accepts', () => {
    const doc = withDoc((d) => {
      d.killSwitch = 'maybe';
      d.state = { type: 'redis' };
      d.pools = [
        { name: 'a', paused: 'sometimes', flavors: [flavor({ azStrategy: 'diagonal', fallback: 'panic' })] },
      ];
    });
    expect(problemsOf(doc)).toEqual([
      'killSwitch: expected true or false or an object',
      'pools[0].flavors[0].azStrategy: expected "balanced", "fixed", "backlog" or an object',
      'pools[0].flavors[0].fallback: expected "hold" or an object',
      'pools[0].paused: expected true or false or "all", "scale-in", "scale-out"',
      'state.type: must be one of "memory", "file", "dynamodb"',
    ]);
  });

  it('report a backlog source of an unknown type by its type field', () => {
    const doc = withDoc((d) => {
      d.pools = [{ name: 'a', flavors: [flavor({ backlog: { source: { type: 'kafka' } } })] }];
    });
    const [problem] = problemsOf(doc);
    expect(problem).toMatch(/^pools\[0\]\.flavors\[0\]\.backlog\.source\.type: must be one of .*"static"/);
  });

  it('refuse a document that is not a mapping', () => {
    expect(problemsOf([1, 2])).toEqual(['(top level): expected an object, got a list']);
  });
});

describe('secrets in the config file', () => {
  const secretMessage = /secrets don't belong in the config file/;

  it.each([
    [
      'connections[0].auth.sk',
      (d: Doc) => Object.assign(d.connections[0] as object, { auth: { type: 'aksk', sk: 'x' } }),
    ],
    ['connections[0].secretKey', (d: Doc) => Object.assign(d.connections[0] as object, { secretKey: 'x' })],
    [
      'connections[0].auth.user.password',
      (d: Doc) =>
        Object.assign(d.connections[0] as object, {
          auth: { type: 'token', user: { name: 'u', domain: 'd', password: 'x' } },
        }),
    ],
    ['connections[0].ak', (d: Doc) => Object.assign(d.connections[0] as object, { ak: 'x' })],
  ])('are refused at %s', (path, change) => {
    const [problem, ...rest] = problemsOf(withDoc(change));
    expect(rest).toEqual([]);
    expect(problem?.startsWith(`${path}: `)).toBe(true);
    expect(problem).toMatch(secretMessage);
  });

  it('never appear in the error, whatever they look like and wherever they are put', () => {
    const secretKeys = fc.constantFrom('sk', 'secretKey', 'secret_key', 'password', 'token', 'Password');
    const secretValue = fc.string({ minLength: 6, maxLength: 60 }).filter((s) => s.trim().length >= 6);
    const place = fc.constantFrom('connection', 'auth', 'pool', 'flavor', 'source', 'top');
    fc.assert(
      fc.property(secretKeys, secretValue, place, (key, value, where) => {
        const doc = withDoc((d) => {
          const connection = d.connections[0] as Record<string, unknown>;
          const pool = d.pools[0] as { flavors: Record<string, Record<string, Record<string, unknown>>>[] };
          const flavorEntry = pool.flavors[0];
          const targets: Record<string, () => Record<string, unknown>> = {
            connection: () => connection,
            auth: () => {
              connection.auth = { type: 'aksk' };
              return connection.auth as Record<string, unknown>;
            },
            pool: () => pool,
            flavor: () => flavorEntry as Record<string, unknown>,
            source: () => flavorEntry?.backlog?.source as Record<string, unknown>,
            top: () => d,
          };
          (targets[where] as () => Record<string, unknown>)()[key] = value;
        });
        let message = '';
        try {
          parseConfig({ text: toYaml(doc), env: {} });
        } catch (error) {
          message = (error as Error).message;
        }
        expect(message).toMatch(secretMessage);
        expect(message).not.toContain(value);
      }),
      { numRuns: 40 },
    );
  });

  it('are not repeated even when a secret is pasted where a name belongs', () => {
    const secret = 'AKIAIOSFODNN7EXAMPLEwJalrXUtnFEMIK7MDENG';
    const doc = withDoc((d) => {
      d.pools = [{ name: 'p', connection: secret, flavors: [flavor()] }];
    });
    const problems = problemsOf(doc);
    expect(problems).toEqual(['pools[0].connection: unknown connection (value not shown) (known: "main")']);
  });
});
