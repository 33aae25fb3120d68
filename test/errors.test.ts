import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Every error class the source raises descends from its area's base class, and every base passes `cause` on, so
// that callers can catch an area's failures as one kind and still reach what lies beneath.

interface Area {
  /** Folders of the area, relative to the repository. */
  folders: string[];
  /** The module and name of its base class. */
  module: string;
  base: string;
  /** A base instance built with `cause`. */
  withCause: (Base: new (...args: never[]) => Error, cause: Error) => Error;
}

const plain = (Base: new (...args: never[]) => Error, cause: Error) =>
  new (Base as unknown as new (message: string, options: ErrorOptions) => Error)('failed', { cause });

const AREAS: Area[] = [
  {
    folders: ['lib/modelarts'],
    module: '../lib/modelarts/errors',
    base: 'ModelArtsError',
    withCause: (Base, cause) =>
      new (Base as unknown as new (kind: string, message: string, options: ErrorOptions) => Error)(
        'network',
        'failed',
        { cause },
      ),
  },
  { folders: ['lib/state'], module: '../lib/state/errors', base: 'StateStoreError', withCause: plain },
  {
    folders: ['lib/config'],
    module: '../lib/config/issues',
    base: 'ConfigError',
    withCause: (Base, cause) =>
      new (Base as unknown as new (issues: unknown[], options: ErrorOptions) => Error)([], { cause }),
  },
  { folders: ['lib/metrics'], module: '../lib/metrics/errors', base: 'MetricsError', withCause: plain },
  { folders: ['lib/aws', 'functions'], module: '../lib/aws/errors', base: 'AwsError', withCause: plain },
  { folders: ['lib/simulate'], module: '../lib/simulate/errors', base: 'SimulatorError', withCause: plain },
  {
    folders: ['emulator'],
    module: '../emulator/route',
    base: 'ApiError',
    withCause: (Base, cause) =>
      new (
        Base as unknown as new (
          status: number,
          code: string,
          message: string,
          headers: Record<string, string>,
          options: ErrorOptions,
        ) => Error
      )(400, 'ModelArts.50004000', 'failed', {}, { cause }),
  },
  { folders: ['cli'], module: '../cli/errors', base: 'CliError', withCause: plain },
];

const ROOT = join(import.meta.dirname, '..');

function sourceFiles(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => join(folder, file));
}

/** `export class X extends Y` in the area's files: the file and both names. */
function errorClasses(area: Area) {
  return area.folders
    .flatMap(sourceFiles)
    .flatMap((file) =>
      [...readFileSync(join(ROOT, file), 'utf8').matchAll(/class (\w+) extends (\w+)/g)]
        .filter(([, , parent]) => parent === 'Error' || (parent as string).endsWith('Error'))
        .map(([, name, parent]) => ({ file, name: name as string, parent: parent as string })),
    );
}

describe('error classes', () => {
  it('only the area bases extend Error itself', () => {
    const bare = AREAS.flatMap((area) =>
      errorClasses(area)
        .filter(({ name, parent }) => parent === 'Error' && name !== area.base)
        .map(({ file, name }) => `${file}: ${name}`),
    );
    expect(bare).toEqual([]);
  });

  it.each(AREAS)('every error class of $folders descends from $base, which keeps a cause', async (area) => {
    const Base = (await import(area.module))[area.base] as new (...args: never[]) => Error;
    const cause = new Error('beneath');
    expect(area.withCause(Base, cause).cause).toBe(cause);
    for (const { file, name } of errorClasses(area)) {
      const Class = (await import(`../${file.replace(/\.ts$/, '')}`))[name] as
        | (new (
            ...args: never[]
          ) => Error)
        | undefined;
      expect(Class === Base || Class?.prototype instanceof Base, `${file}: ${name}`).toBe(true);
    }
  });
});
