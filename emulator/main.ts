// `npm run emulator`: the ModelArts emulator for people. Flags win over environment variables:
//   --port / EMULATOR_PORT (8787)            --host / EMULATOR_HOST (127.0.0.1)
//   --seed-file / EMULATOR_SEED_FILE         --project-id / EMULATOR_PROJECT_ID (emulator-project)
//   --auth / EMULATOR_AUTH (open|verify)     --transition-ms / EMULATOR_TRANSITION_MS (30000)
// Verify mode accepts the AK/SK of HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK (the pair the autoscaler signs with
// from the same shell), plus EMULATOR_CREDENTIALS ("ak:sk,ak2:sk2") and EMULATOR_USERS
// ("name:password@domain,..."), from the environment only, so that secrets stay out of shell history and
// process listings.
// `npm run emulator` execs this file, so the process npm starts is the server: a signal to npm reaches it.

import { parseArgs } from 'node:util';
import { CREDENTIAL_ENV } from '../lib/modelarts/credentials';
import type { AuthOptions, IamUser } from './auth-options';
import { DEFAULT_PROJECT_ID, DEFAULT_TRANSITION_MS, loadSeedPools, startEmulator } from './server';

const { values } = parseOptions();

if (values.help) {
  console.log(
    'Usage: npm run emulator -- [--port 8787] [--host 127.0.0.1] [--seed-file pools.json] [--project-id id]\n' +
      '                          [--auth open|verify] [--transition-ms 30000]\n' +
      'Verify mode accepts HUAWEICLOUD_SDK_AK / HUAWEICLOUD_SDK_SK, EMULATOR_CREDENTIALS="ak:sk,..." and\n' +
      'EMULATOR_USERS="name:password@domain,..."',
  );
  process.exit(0);
}

const env = process.env;
const port = wholeNumber('port', values.port ?? env.EMULATOR_PORT ?? '8787');
const transitionMs = wholeNumber(
  'transition-ms',
  values['transition-ms'] ?? env.EMULATOR_TRANSITION_MS ?? String(DEFAULT_TRANSITION_MS),
);
const authMode = values.auth ?? env.EMULATOR_AUTH ?? 'open';
if (authMode !== 'open' && authMode !== 'verify') fail(`--auth must be open or verify, got "${authMode}"`);
const seedFile = values['seed-file'] ?? env.EMULATOR_SEED_FILE;

const emulator = await startEmulator({
  port,
  host: values.host ?? env.EMULATOR_HOST ?? '127.0.0.1',
  projectId: values['project-id'] ?? env.EMULATOR_PROJECT_ID ?? DEFAULT_PROJECT_ID,
  transitionMs,
  ...(seedFile ? { pools: await loadSeedPools(seedFile) } : {}),
  auth: authMode === 'verify' ? verifyAuth(env) : { mode: 'open' },
}).catch((error: unknown) => fail((error as Error).message));

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.log(`\n${signal}: stopping the emulator`);
    emulator.close().then(
      () => process.exit(0),
      (error: unknown) => fail((error as Error).message),
    );
  });
}

console.log(
  `ModelArts emulator listening on ${emulator.url} (project ${emulator.projectId}, auth ${authMode}, transitions ${transitionMs} ms)`,
);
console.log(`  stop it with Ctrl-C or: kill ${process.pid}`);
console.log(
  `  API:   ${emulator.url}/v2/${emulator.projectId}/pools    IAM: ${emulator.url}/v3/auth/tokens    admin: ${emulator.url}/__admin/`,
);
const listed = await fetch(`${emulator.url}/__admin/pools`).then(
  (response) => response.json() as Promise<PoolLine[]>,
);
for (const pool of listed) console.log(`  ${describePool(pool)}`);

interface PoolLine {
  metadata: { name: string };
  spec: { controlMode?: number; resources: { flavor: string; count: number }[] };
  status?: { phase?: string };
}

function describePool(pool: PoolLine): string {
  const flavors = pool.spec.resources.map((resource) => `${resource.flavor} x${resource.count}`).join(', ');
  const mode = pool.spec.controlMode ? ` controlMode ${pool.spec.controlMode}` : '';
  return `${pool.metadata.name}  ${pool.status?.phase ?? '?'}${mode}  [${flavors}]`;
}

function parseOptions() {
  try {
    return parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'seed-file': { type: 'string' },
        'project-id': { type: 'string' },
        auth: { type: 'string' },
        'transition-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    return fail(
      `${(error as Error).message.replace(/\. To specify a positional argument.*$/s, '')} (--help lists the options)`,
    );
  }
}

/** Verify mode with no credentials at all would refuse every request: say so at start instead. */
function verifyAuth(env: NodeJS.ProcessEnv): AuthOptions {
  const credentials = parseCredentials(env.EMULATOR_CREDENTIALS ?? '');
  const ak = env[CREDENTIAL_ENV.ak]?.trim();
  const sk = env[CREDENTIAL_ENV.sk]?.trim();
  if (ak && sk) credentials[ak] = sk;
  const users = parseUsers(env.EMULATOR_USERS ?? '');
  if (Object.keys(credentials).length === 0 && users.length === 0)
    fail(
      `--auth verify needs credentials to accept: set ${CREDENTIAL_ENV.ak} and ${CREDENTIAL_ENV.sk} (the pair the autoscaler signs with), or EMULATOR_CREDENTIALS / EMULATOR_USERS`,
    );
  return { mode: 'verify', credentials, users };
}

function parseCredentials(text: string): Record<string, string> {
  const credentials: Record<string, string> = {};
  for (const pair of text.split(',').filter(Boolean)) {
    const at = pair.indexOf(':');
    if (at <= 0) fail('EMULATOR_CREDENTIALS must look like "ak:sk,ak2:sk2"');
    credentials[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return credentials;
}

function parseUsers(text: string): IamUser[] {
  return text
    .split(',')
    .filter(Boolean)
    .map((entry) => {
      const match = /^([^:]+):(.+)@([^@]+)$/.exec(entry);
      if (!match) fail('EMULATOR_USERS must look like "name:password@domain,..."');
      return { name: match[1] as string, password: match[2] as string, domain: match[3] as string };
    });
}

function wholeNumber(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) fail(`--${name} must be a whole number, got "${text}"`);
  return value;
}

function fail(message: string): never {
  console.error(`emulator: ${message}`);
  process.exit(1);
}
