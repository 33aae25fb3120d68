// Shared setup for the emulator tests: an emulator on an ephemeral port with a clock the test moves, and thin
// fetch helpers for its routes.

import { readFileSync } from 'node:fs';
import { afterEach } from 'vitest';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../emulator/server';

export const T0 = Date.parse('2025-06-01T12:00:00Z');
export const TRANSITION_MS = 60_000;

export interface Clock {
  now: () => number;
  advance(ms: number): void;
}

export function testClock(start = T0): Clock {
  let time = start;
  return {
    now: () => time,
    advance: (ms) => {
      time += ms;
    },
  };
}

const running: Emulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((emulator) => emulator.close()));
});

/** Starts an emulator that is closed after the test. */
export async function emulatorFor(options: EmulatorOptions = {}): Promise<Emulator> {
  const emulator = await startEmulator({ transitionMs: TRANSITION_MS, ...options });
  running.push(emulator);
  return emulator;
}

const seed: { metadata: { name: string; labels?: Record<string, string> } }[] = JSON.parse(
  readFileSync(new URL('../../emulator/seed/pools.json', import.meta.url), 'utf8'),
);

/** The generated name of a bundled seed pool, by its display name. */
export function seedPool(displayName: string): string {
  const pool = seed.find((candidate) => candidate.metadata.labels?.['os.modelarts/name'] === displayName);
  if (!pool) throw new Error(`no seed pool named ${displayName}`);
  return pool.metadata.name;
}

/** A JSON document as the tests read and mutate it: the schema tests are where its shape is checked. */
// biome-ignore lint/suspicious/noExplicitAny: tests walk arbitrary JSON answers
export type Json = any;

export interface Answer {
  status: number;
  headers: Headers;
  body: Json;
}

export async function call(
  emulator: Emulator,
  method: string,
  path: string,
  init: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const response = await fetch(`${emulator.url}${path}`, {
    method,
    headers: { ...(init.body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...init.headers },
    ...(init.body !== undefined
      ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }
      : {}),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? undefined : JSON.parse(text),
  };
}

export const poolsPath = (emulator: Emulator, name?: string) =>
  `/v2/${emulator.projectId}/pools${name === undefined ? '' : `/${name}`}`;

export const listPools = (emulator: Emulator, query = '') =>
  call(emulator, 'GET', `${poolsPath(emulator)}${query === '' ? '' : `?${query}`}`);

export const getPool = (emulator: Emulator, name: string) => call(emulator, 'GET', poolsPath(emulator, name));

export const createPool = (emulator: Emulator, body: unknown) =>
  call(emulator, 'POST', poolsPath(emulator), { body });

export const patchPool = (
  emulator: Emulator,
  name: string,
  body: unknown,
  contentType = 'application/merge-patch+json',
) => call(emulator, 'PATCH', poolsPath(emulator, name), { body, headers: { 'Content-Type': contentType } });

export const CPU = 'modelarts.vm.cpu.4ud';
export const T4 = 'modelarts.vm.gpu.t4u8';
export const TNT = 'modelarts.vm.gpu.tnt004';

/** The multi-GPU seed pool's spec.resources with the given per-AZ counts (t4u8 over 7a/7b/7c, tnt004 over 7a/7b). */
export function multiGpuResources(t4: [number, number, number], tnt: [number, number]) {
  const split = (counts: number[]) => counts.map((count, i) => ({ az: `cn-north-7${'abc'[i]}`, count }));
  const sum = (counts: number[]) => counts.reduce((a, b) => a + b, 0);
  return [
    { flavor: T4, count: sum(t4), azs: split(t4) },
    { flavor: TNT, count: sum(tnt), azs: split(tnt) },
  ];
}

/** The status of an answer, for `expect(await statusOf(...)).toBe(200)`. */
export const statusOf = async (answer: Promise<Answer>) => (await answer).status;

/** A PATCH body setting one flavor's count (and AZ split). */
export const resize = (
  ...resources: { flavor: string; count: number; azs?: { az: string; count: number }[] }[]
) => ({
  spec: { resources },
});

/** `{flavor: count}` per status.resources state, for compact assertions. */
export function counts(
  pool: Json,
  state: 'creating' | 'available' | 'abnormal' | 'deleting',
): Record<string, number> {
  return Object.fromEntries(
    (pool.status?.resources?.[state] ?? []).map((entry: Json) => [entry.flavor, entry.count]),
  );
}

/** `{az: count}` of one flavor in one status.resources state. */
export function azCounts(
  pool: Json,
  state: 'creating' | 'available' | 'abnormal' | 'deleting',
  flavor: string,
): Record<string, number> {
  const entry = (pool.status?.resources?.[state] ?? []).find(
    (candidate: Json) => candidate.flavor === flavor,
  );
  return Object.fromEntries((entry?.azs ?? []).map((az: Json) => [az.az, az.count]));
}

export const nodesPath = (emulator: Emulator, pool: string, rest = '') =>
  `${poolsPath(emulator, pool)}/nodes${rest}`;

export const listNodes = (emulator: Emulator, pool: string, query = '') =>
  call(emulator, 'GET', `${nodesPath(emulator, pool)}${query}`);
