// The image cannot be built here (no Docker daemon in the test environment), so the Dockerfile is checked by
// its rules instead: a pinned Node 22 base in every stage, a non-root user, an entry point that the build
// script really produces, the state volume where the file store writes, and a health check on /healthz.

import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readEnvironment } from '../../lib/config/env';
import { buildContainer, CONTAINER_DIR, ENTRY_FILE } from '../../scripts/build-container';

const ROOT = resolve(import.meta.dirname, '../..');

interface Instruction {
  keyword: string;
  args: string;
}

/** Instructions in order: comments dropped, `\` continuations joined. */
function parseDockerfile(text: string): Instruction[] {
  const logical = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return logical
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

/** Stages: each starts at a FROM. */
function stages(instructions: Instruction[]): Instruction[][] {
  const out: Instruction[][] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') out.push([]);
    out.at(-1)?.push(instruction);
  }
  return out;
}

/** ENV pairs of a stage (the `KEY=value` form). */
const envOf = (stage: Instruction[]): Record<string, string> =>
  Object.fromEntries(
    stage
      .filter((i) => i.keyword === 'ENV')
      .flatMap((i) =>
        [...i.args.matchAll(/(\w+)=("[^"]*"|\S+)/g)].map((m) => [m[1], m[2]?.replace(/^"|"$/g, '')]),
      ),
  );

const only = (stage: Instruction[], keyword: string) => {
  const found = stage.filter((i) => i.keyword === keyword);
  expect(found, `one ${keyword}`).toHaveLength(1);
  return found[0] as Instruction;
};

const instructions = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const all = stages(instructions);
const runtime = all.at(-1) ?? [];
const env = envOf(runtime);

describe('the Dockerfile', () => {
  it('builds in one stage and runs in another, both on a pinned Node 22 image', () => {
    expect(all.length).toBeGreaterThanOrEqual(2);
    for (const stage of all) {
      const from = stage[0]?.args ?? '';
      // node:22.X.Y[-variant] or a digest: never `node:22`, `node:lts` or `latest`, which move under the image.
      expect(from).toMatch(/^node:22\.\d+\.\d+(-[a-z0-9.]+)?(@sha256:[0-9a-f]{64})?( AS \w+)?$/);
    }
    expect(all[0]?.[0]?.args).toMatch(/ AS build$/);
  });

  it('runs as an unprivileged user', () => {
    const user = only(runtime, 'USER').args;
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    // And the user is set before the process starts, after anything that needs root.
    const last = (keyword: string) => runtime.map((i) => i.keyword).lastIndexOf(keyword);
    expect(last('USER')).toBeGreaterThan(last('RUN'));
  });

  it('copies into the runtime stage only the build script output', () => {
    const copies = runtime.filter((i) => i.keyword === 'COPY');
    expect(copies.map((i) => i.args)).toEqual([expect.stringMatching(/^--from=build \S+ \S+$/)]);
    const build = all[0] ?? [];
    const script = build.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    expect(script).toContainEqual(expect.stringContaining('scripts/build-container.ts'));
  });

  describe('with the bundle the build script produces', () => {
    let outDir = '';
    beforeAll(async () => {
      outDir = dirname(await buildContainer(mkdtempSync(join(tmpdir(), 'autoscaler-image-'))));
    }, 60_000);

    it('starts `run` through an entry point that exists in the copied output', () => {
      const entrypoint = JSON.parse(only(runtime, 'ENTRYPOINT').args) as string[];
      const cmd = JSON.parse(only(runtime, 'CMD').args) as string[];
      expect(cmd).toEqual(['run']);
      expect(entrypoint[0]).toBe('node');
      // COPY --from=build <build output> <target>: the entry file under <target> is what the script wrote.
      const [, from = '', to = ''] = only(runtime, 'COPY').args.split(/\s+/);
      expect(from.replace(/\/$/, '')).toBe(`/src/${relative(ROOT, CONTAINER_DIR)}`);
      const file = posix.relative(to, entrypoint[1] ?? '');
      expect(file).toBe(ENTRY_FILE);
      expect(existsSync(join(outDir, file))).toBe(true);
    });

    it('keeps the state in the volume: the file store is configured inside it', () => {
      const volume = only(runtime, 'VOLUME').args;
      const { settings, issues } = readEnvironment(env);
      expect(issues).toEqual([]);
      expect(settings.stateFile).toBeDefined();
      expect(posix.dirname(settings.stateFile ?? '')).toBe(volume);
      // The kill switch file sits there too, so `docker exec ... touch` pauses the autoscaler.
      expect(posix.dirname(env.AUTOSCALER_KILL_SWITCH_FILE ?? '')).toBe(volume);
      // The unprivileged user owns it.
      const user = only(runtime, 'USER').args;
      expect(runtime.filter((i) => i.keyword === 'RUN').map((i) => i.args)).toContainEqual(
        expect.stringContaining(`chown ${user}:${user} ${volume}`),
      );
    });

    it('checks health on /healthz at the port `run` serves, reachable from outside the container', () => {
      const check = only(runtime, 'HEALTHCHECK').args;
      expect(check).toMatch(/CMD \["node", "-e", .*127\.0\.0\.1.*\/healthz/);
      expect(check).toContain('process.env.AUTOSCALER_HEALTH_PORT || 8080');
      expect(env.AUTOSCALER_HEALTH_PORT).toBe('8080');
      expect(env.AUTOSCALER_HEALTH_HOST).toBe('0.0.0.0');
      expect(only(runtime, 'EXPOSE').args).toBe(env.AUTOSCALER_HEALTH_PORT);
      expect(env.AUTOSCALER_JSON_LINES).toBe('true');
    });
  });
});
