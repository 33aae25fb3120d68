// `osls package --stage citest` (offline), once per test run for every test file that reads the generated
// CloudFormation template or the bundles. Test files run in separate workers: the first to ask packages into
// the run's folder (test/global-setup.ts) under a lock folder, the others wait for its marker file. The
// network variant packages again with the VPC params (serverless.yml "Network"), for the files that ask.

import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { writeDeployableSampleConfig } from './deploy-config';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');

export const STAGE = 'citest';

/** The VPC the `vpc` network variant is packaged with. */
export const TEST_VPC = {
  subnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'],
  securityGroupIds: ['sg-0123456789abcdef0'],
} as const;

/** The topic the `notify` variant's config names in notifications.sns. */
export const TEST_NOTIFY_TOPIC = 'arn:aws:sns:eu-west-1:123456789012:autoscaler-notifications';

/** The signing-secret parameter the `notify` variant's config names in notifications.webhook.secretParameter. */
export const TEST_NOTIFY_SECRET_PARAMETER = `/modelarts-autoscaler/${STAGE}/notify-secret`;

/** The `notify` variant's notifications: an SNS topic, and a webhook whose secret is in SSM. */
const TEST_NOTIFICATIONS = {
  sns: { topicArn: TEST_NOTIFY_TOPIC },
  webhook: { url: 'https://hooks.example.com/autoscaler', secretParameter: TEST_NOTIFY_SECRET_PARAMETER },
};

/**
 * `none`: the default stack; `vpc`: every function in TEST_VPC; `notify`: the default stack, its config with
 * notifications.sns and a webhook with its secret in SSM (serverless.yml's PublishesNotifications and
 * ReadsNotifySecret).
 */
export type Network = 'none' | 'vpc' | 'notify';

const networkParams = (network: Network): string[] =>
  network !== 'vpc'
    ? []
    : [
        ...['--param', `subnetIds=${TEST_VPC.subnetIds.join(',')}`],
        ...['--param', `securityGroupIds=${TEST_VPC.securityGroupIds.join(',')}`],
      ];
/** One packaging, at most (the variants are packaged one after another: see inTurn). */
const ONE_PACKAGING_MS = 160_000;
/** How long packaging may take, waiting for the other variants included (the test hooks that wait need this). */
export const PACKAGE_TIMEOUT_MS = 3 * ONE_PACKAGING_MS;

export interface TemplateResource {
  Type: string;
  Properties: Record<string, unknown>;
}

export interface Template {
  Conditions?: Record<string, unknown>;
  Resources: Record<string, TemplateResource>;
}

export interface PackagedService {
  /** The folder with the template and one zip per function. */
  dir: string;
  template: Template;
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

// A deployed stage must name its own config, without the emulator's loopback endpoint.
async function packageInto(dir: string, runDir: string, network: Network): Promise<void> {
  const osls = createRequire(import.meta.url).resolve('osls/bin/serverless.js');
  const configPath = await writeDeployableSampleConfig(
    join(runDir, ...(network === 'none' ? [] : [network])),
    network === 'notify' ? { notifications: TEST_NOTIFICATIONS } : {},
  );
  const args = [
    ...['package', '--stage', STAGE, '--param', `configPath=${configPath}`, '--package', dir],
    ...networkParams(network),
  ];
  await run(process.execPath, [osls, ...args], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  }).catch((error: Error & { stdout?: string; stderr?: string }) => {
    throw new Error(`osls package failed:\n${error.stdout ?? ''}\n${error.stderr ?? ''}`, { cause: error });
  });
}

const tryMkdir = (path: string) =>
  mkdir(path).then(
    () => true,
    () => false,
  );

/**
 * Runs `work` when no other packaging of this run is running. osls packages in the repository folder, and
 * serverless-esbuild builds in its `.esbuild` (which it removes when done) and copies the zips to its
 * `.serverless`: two variants at once would remove each other's build, or swap zips of the same name.
 */
async function inTurn<T>(runDir: string, work: () => Promise<T>): Promise<T> {
  const turn = join(runDir, 'osls.lock');
  for (const deadline = Date.now() + PACKAGE_TIMEOUT_MS; !(await tryMkdir(turn)); await sleep(250))
    if (Date.now() > deadline) throw new Error(`waited ${PACKAGE_TIMEOUT_MS / 1000} s for another packaging`);
  try {
    return await work();
  } finally {
    await rm(turn, { recursive: true, force: true });
  }
}

async function packageOnce(runDir: string, network: Network): Promise<string> {
  const name = network === 'none' ? 'package' : `package-${network}`;
  const dir = join(runDir, name);
  const done = join(runDir, `${name}.done`);
  const failed = join(runDir, `${name}.failed`);
  if (network !== 'none') await mkdir(join(runDir, network), { recursive: true });
  if (await tryMkdir(join(runDir, `${name}.lock`))) {
    try {
      await inTurn(runDir, () => packageInto(dir, runDir, network));
      await writeFile(done, '');
    } catch (error) {
      await writeFile(failed, (error as Error).message);
      throw error;
    }
    return dir;
  }
  for (const deadline = Date.now() + PACKAGE_TIMEOUT_MS; Date.now() < deadline; await sleep(250)) {
    if (await exists(done)) return dir;
    if (await exists(failed)) throw new Error(await readFile(failed, 'utf8'));
  }
  throw new Error(`waited ${PACKAGE_TIMEOUT_MS / 1000} s for another test file to package the service`);
}

const packaged = new Map<Network, Promise<PackagedService>>();

/** The packaged service of this test run (with `vpc`: packaged with TEST_VPC). */
export function packagedService(network: Network = 'none'): Promise<PackagedService> {
  let service = packaged.get(network);
  if (!service) {
    service = (async () => {
      const dir = await packageOnce(inject('runDir'), network);
      const template = JSON.parse(
        await readFile(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'),
      ) as Template;
      return { dir, template };
    })();
    packaged.set(network, service);
  }
  return service;
}
