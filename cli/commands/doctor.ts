import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline/promises';
import type { Config, ConnectionConfig, Environment } from '../../lib/config';
import { LEASE_TTL_MS } from '../../lib/cycle/lease-timing';
import { poolKey } from '../../lib/cycle/outcomes';
import { connectionClient } from '../../lib/modelarts/clients';
import { createStateStore } from '../../lib/state/factory';
import type { LeaseToken } from '../../lib/state/store';
import { type OptionValues, UsageError } from '../args';
import { environmentSecrets } from '../credentials';
import { type CheckResult, isFailing } from '../doctor/checks';
import { clockCheck, dateRecorder } from '../doctor/clock-skew';
import { type DoctorApis, doctorApis, readChecks } from '../doctor/read-checks';
import { printChecks, printJson, printSummary } from '../doctor/report';
import { type ProbeLease, probeScaleIn } from '../doctor/scale-in-probe';
import { writeProbes } from '../doctor/write-probes';
import type { CliIo, Output } from '../output';
import { loadCliConfig, locateConfig } from '../setup';

function onePool(values: OptionValues): string {
  const pools = values.pool ?? [];
  if (pools.length !== 1) throw new UsageError('doctor takes exactly one --pool NAME');
  return pools[0] as string;
}

/** --connection, else the config entry naming the pool, else the only connection. */
function connectionFor(config: Config, pool: string, flag: string | undefined): ConnectionConfig {
  const names = config.connections.map((connection) => connection.name);
  const name =
    flag ??
    config.pools.find((entry) => entry.name === pool)?.connection ??
    (names.length === 1 ? names[0] : undefined);
  if (name === undefined)
    throw new UsageError(
      `pool "${pool}" is not named in the config: pass --connection (one of ${names.join(', ')})`,
    );
  const connection = config.connections.find((candidate) => candidate.name === name);
  if (!connection)
    throw new UsageError(`--connection "${name}" is not in the config (it has ${names.join(', ')})`);
  return connection;
}

/**
 * The probe deletes a node for good: the user types the pool's name on a terminal, or gives it with --confirm.
 * Checked before any request, so that a script without --confirm changes nothing.
 */
function probeConsent(values: OptionValues, io: CliIo, pool: string): 'given' | 'ask' | 'none' {
  if (values['probe-scale-in'] !== true) {
    if (values.confirm !== undefined) throw new UsageError('--confirm goes with --probe-scale-in');
    return 'none';
  }
  if (values.confirm !== undefined) {
    if (values.confirm !== pool)
      throw new UsageError(`--confirm must repeat the pool name "${pool}" (nothing was changed)`);
    return 'given';
  }
  if (values.json === true)
    throw new UsageError('--probe-scale-in with --json needs --confirm <pool name> (nothing was changed)');
  if (io.stdin.isTTY !== true)
    throw new UsageError(
      '--probe-scale-in deletes a node: type the pool name on a terminal, or pass --confirm <pool name> (nothing was changed)',
    );
  return 'ask';
}

async function typedPoolName(io: CliIo, pool: string): Promise<boolean> {
  const prompt = createInterface({ input: io.stdin, terminal: false });
  try {
    io.stdout.write(
      `\n--probe-scale-in drains and deletes one idle node of ${pool} for good (the checks above passed).\nType the pool name to go on: `,
    );
    return (await prompt.question('')).trim() === pool;
  } finally {
    prompt.close();
  }
}

async function openClient(values: OptionValues, env: Environment, output: Output, pool: string) {
  const location = locateConfig(values.config, env, process.cwd());
  if (location.note) output.note(location.note);
  const config = await loadCliConfig(
    location.path,
    values.endpoint === undefined ? {} : { endpoint: values.endpoint },
    env,
  );
  const connection = connectionFor(config, pool, values.connection);
  const dates = dateRecorder(Date.now);
  const client = connectionClient(connection, {
    secrets: environmentSecrets(config, env),
    onRequest: dates.onRequest,
  });
  return { client, connection, dates, config };
}

/** The pool's lease in the config's state store, as the cycle takes it. */
function probeLease(config: Config, connection: ConnectionConfig, pool: string): ProbeLease {
  const store = createStateStore(config.state);
  const key = poolKey(connection, pool);
  const owner = `doctor-${randomUUID()}`;
  let token: LeaseToken | undefined;
  return {
    async take() {
      token = await store.acquireLease(key, owner, LEASE_TTL_MS, Date.now());
      return token !== undefined;
    },
    async fence() {
      token = token && (await store.fenceLease(key, token, LEASE_TTL_MS, Date.now()));
      return token !== undefined;
    },
    release: () => store.releaseLease(key, owner),
  };
}

/**
 * Reads what the autoscaler reads, probes drain and delete without changing anything, checks the clock; with
 * --probe-scale-in, deletes one idle node and reports whether the count dropped. Exit 1 when a needed check fails.
 */
export async function doctorCommand(values: OptionValues, io: CliIo, output: Output): Promise<number> {
  const pool = onePool(values);
  const consent = probeConsent(values, io, pool);
  const json = values.json === true;
  const { client, connection, dates, config } = await openClient(values, io.env, output, pool);
  const apis = doctorApis(client);
  const reads = await readChecks(apis, pool);
  const checks: CheckResult[] = [
    ...reads.checks,
    ...(await writeProbes(apis, pool, reads.nodes)),
    clockCheck(dates.answers),
  ];
  if (!json) printChecks(checks, output);
  let cancelled = false;
  if (consent !== 'none') {
    const lease = probeLease(config, connection, pool);
    const probe = await probeIfAgreed(apis, pool, lease, checks, consent === 'ask' ? io : undefined);
    if (!json) printChecks(probe.checks, output);
    checks.push(...probe.checks);
    cancelled = probe.cancelled;
  }
  if (json) printJson(checks, output, pool, connection.name);
  else printSummary(checks, output, pool);
  if (cancelled) output.error('Probe cancelled: nothing was changed.');
  return cancelled || checks.some(isFailing) ? 1 : 0;
}

const notRun = (reason: string): CheckResult => ({
  area: 'probe',
  name: 'scale-in',
  status: 'skipped',
  reason,
  needed: false,
});

/** The probe, once the checks it rests on passed and the user typed the pool name (`ask`: on this terminal). */
async function probeIfAgreed(
  apis: DoctorApis,
  pool: string,
  lease: ProbeLease,
  checks: readonly CheckResult[],
  ask: CliIo | undefined,
): Promise<{ checks: CheckResult[]; cancelled: boolean }> {
  const blocking = checks.filter(isFailing);
  if (blocking.length > 0) {
    const names = blocking.map((one) => one.name).join(', ');
    return { checks: [notRun(`not run: ${names} did not pass; nothing was changed`)], cancelled: false };
  }
  if (ask && !(await typedPoolName(ask, pool)))
    return { checks: [notRun('not confirmed: nothing was changed')], cancelled: true };
  return { checks: await probeScaleIn(apis, pool, lease), cancelled: false };
}
