import { cruise, type ICruiseResult, type IForbiddenRuleType } from 'dependency-cruiser';
import { beforeAll, describe, expect, it } from 'vitest';

// The import graph of the source, read by dependency-cruiser (type-only imports included: a type import still
// ties two modules together). The pure core must not reach the outside world, and no module may import itself
// through others.

const SOURCE = ['lib', 'functions', 'cli', 'emulator', 'bench', 'scripts'];

// The outside world: the emulator, the AWS wiring, network client packages and Node's network modules, and the
// project's own clients (the ModelArts transport, the backlog sources, the HTTP GET helper).
const OUTSIDE = [
  '^emulator/',
  '^lib/aws/',
  '^node_modules/(ky|undici|@aws-sdk|@aws-lambda-powertools|@middy)/',
  '^(node:)?(http|https|http2|net|tls|dgram)$',
  '^lib/modelarts/(client|clients|transport|iam-token|workloads)\\.ts$',
  '^lib/metrics/(http-get|read|registry)\\.ts$',
  '^lib/metrics/sources/',
].join('|');

// What runs: the functions, the CLI, the emulator, the benchmarks and the scripts. Any module under lib/ that
// none of them reaches is dead code (an index file nobody imports, a leftover).
const ENTRIES =
  '^(functions/[^/]+\\.ts|cli/bin\\.js|cli/main\\.ts|emulator/main\\.ts|bench/[^/]+\\.ts|scripts/)';

const RULES: IForbiddenRuleType[] = [
  { name: 'no-cycle', severity: 'error', from: {}, to: { circular: true } },
  {
    name: 'scaling-reaches-outside',
    severity: 'error',
    from: { path: '^lib/scaling/' },
    to: { path: OUTSIDE, reachable: true },
  },
  // lib/simulate's own imports: it parses configs through lib/config, whose backlog source schemas live beside
  // the sources themselves (lib/metrics/registry.ts), so what it reaches includes their clients, unused.
  {
    name: 'simulate-imports-outside',
    severity: 'error',
    from: { path: '^lib/simulate/' },
    to: { path: OUTSIDE },
  },
  // The CLI runs on a laptop: the Lambda wiring (SSM, SQS, DynamoDB by environment) is none of its business.
  { name: 'cli-imports-aws', severity: 'error', from: { path: '^cli/' }, to: { path: '^lib/aws/' } },
  // The config knows the state stores it can name; the stores know nothing of the config.
  {
    name: 'state-imports-config',
    severity: 'error',
    from: { path: '^lib/state/' },
    to: { path: '^lib/config/' },
  },
  {
    name: 'unreachable',
    severity: 'error',
    from: { path: ENTRIES },
    // The build-time stage checks are bundled by functions/build/resolved-config.cjs from an esbuild entry
    // written in a string, which no import graph sees.
    to: { path: '^lib/', pathNot: '^lib/config/deploy-stage\\.ts$', reachable: false },
  },
];

let result: ICruiseResult;

beforeAll(async () => {
  const cruised = await cruise(SOURCE, {
    validate: true,
    ruleSet: { forbidden: RULES },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.d\\.ts$' },
  });
  result = cruised.output as ICruiseResult;
}, 120_000);

function violations(rule: string): string[] {
  // A rule missing from RULES would find nothing, and pass.
  if (!RULES.some((candidate) => candidate.name === rule)) throw new Error(`no rule ${rule}`);
  return result.summary.violations
    .filter((violation) => violation.rule.name === rule)
    .map((violation) =>
      violation.cycle
        ? [violation.from, ...violation.cycle.map((step) => step.name)].join(' -> ')
        : `${violation.from} -> ${violation.to}`,
    );
}

describe('the import graph', () => {
  it('reads the source it is meant to check', () => {
    const modules = result.modules.map((module) => module.source);
    expect(modules).toContain('lib/scaling/plan.ts');
    expect(modules).toContain('lib/simulate/simulate.ts');
    expect(modules).toContain('emulator/server.ts');
    expect(result.summary.totalCruised).toBeGreaterThan(150);
  });

  it('has no import cycles in lib, functions, cli, emulator, bench or scripts', () => {
    expect(violations('no-cycle')).toEqual([]);
  });

  it('keeps lib/scaling pure: nothing it reaches imports the emulator, the AWS wiring or a network client', () => {
    expect(violations('scaling-reaches-outside')).toEqual([]);
  });

  it('lib/simulate imports nothing from the emulator, the AWS wiring or a network client', () => {
    expect(violations('simulate-imports-outside')).toEqual([]);
  });

  it('the CLI imports nothing from the AWS wiring', () => {
    expect(violations('cli-imports-aws')).toEqual([]);
  });

  it('the state stores import nothing from the config', () => {
    expect(violations('state-imports-config')).toEqual([]);
  });

  it('has no module under lib that no function, command, emulator, benchmark or script reaches', () => {
    expect(violations('unreachable')).toEqual([]);
  });
});
