// A backlog written down: one number (optionally split per AZ) in the config, or a JSON file that
// maps "pool/flavor" to a number or to a per-AZ record. Useful for demos, tests and pinning a flavor.

import { z } from 'zod';
import { sumValues } from '../common';
import { BacklogSourceError } from '../errors';
import type { BacklogSource, BacklogTarget, SourceReading } from '../source';

// Functions, not shared instances: a bundle reads a file only with a `file:` source, and builds none of these
// at import (the config schema is only built by the CLI and at build time).
const backlogCount = () => z.number().nonnegative().finite();
const perAzCounts = () => z.record(z.string().min(1), backlogCount());

export const StaticSourceConfigSchema = z
  .strictObject({
    type: z.literal('static'),
    value: backlogCount().optional().describe('The backlog of every flavor this source serves.'),
    perAz: perAzCounts().optional().describe('Backlog per AZ; adds up to `value` (or stands for it).'),
    file: z
      .string()
      .min(1)
      .optional()
      .describe('JSON file mapping "pool/flavor" to a number or {az: number}.'),
  })
  .superRefine((config, ctx) => {
    const inline = config.value !== undefined || config.perAz !== undefined;
    if (inline === (config.file !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [inline ? 'file' : 'value'],
        message: 'set either `file` or `value` (and/or `perAz`), not both and not neither',
      });
    }
    if (config.value !== undefined && config.perAz !== undefined) {
      const sum = sumValues(config.perAz);
      if (Math.abs(sum - config.value) > 1e-9) {
        ctx.addIssue({
          code: 'custom',
          path: ['perAz'],
          message: `must add up to value (${sum} != ${config.value})`,
        });
      }
    }
  });

export type StaticSourceConfig = z.infer<typeof StaticSourceConfigSchema>;

// Built on first use (z.lazy): only a `file:` source reads one.
const StaticFileSchema = z.lazy(() => z.record(z.string(), z.union([backlogCount(), perAzCounts()])));

export type StaticFile = z.infer<typeof StaticFileSchema>;

export interface StaticSourceDeps {
  readFile?: (path: string, signal: AbortSignal) => Promise<string>;
}

// node:fs is loaded when a file is configured, not by every bundle that serves inline values.
const readUtf8 = async (path: string, signal: AbortSignal) =>
  (await import('node:fs/promises')).readFile(path, { encoding: 'utf8', signal });

const reading = (entry: number | Record<string, number>, now: number): SourceReading =>
  typeof entry === 'number'
    ? { value: entry, observedAt: now }
    : { value: sumValues(entry), perAz: entry, observedAt: now };

export function createStaticSource(
  config: StaticSourceConfig,
  deps: StaticSourceDeps = {},
): BacklogSource<{ file?: StaticFile; now: number }> {
  const { file } = config;
  const load = deps.readFile ?? readUtf8;
  return {
    type: 'static',
    queryKey: () => file ?? 'config',
    describe: () => (file ? `static:${file}` : 'static'),
    async read(_target, { signal, now }) {
      if (file === undefined) return { now };
      let text: string;
      try {
        text = await load(file, signal);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        throw new BacklogSourceError(
          'static',
          file,
          `cannot read file${typeof code === 'string' ? ` (${code})` : ''}`,
          {
            cause: error,
          },
        );
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        throw new BacklogSourceError('static', file, 'file is not JSON', { cause: error });
      }
      const result = StaticFileSchema.safeParse(parsed);
      if (!result.success) {
        const issue = result.error.issues[0];
        throw new BacklogSourceError(
          'static',
          file,
          `file must map "pool/flavor" to a non-negative number or {az: number}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
          { cause: result.error },
        );
      }
      return { file: result.data, now };
    },
    pick(answer, target: BacklogTarget) {
      if (answer.file === undefined) {
        return reading(config.perAz ?? config.value ?? 0, answer.now);
      }
      const key = `${target.pool}/${target.flavor}`;
      const entry = answer.file[key];
      if (entry === undefined) {
        throw new BacklogSourceError('static', file ?? 'config', `no entry "${key}"`, { reason: 'missing' });
      }
      return reading(entry, answer.now);
    },
  };
}
