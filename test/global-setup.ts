// Once per test run: a scratch folder the test files of the run share (test/template/packaged.ts packages the
// service into it once for all of them), removed at the end.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    runDir: string;
  }
}

export default async function setup(project: TestProject) {
  const runDir = await mkdtemp(join(tmpdir(), 'autoscaler-test-run-'));
  project.provide('runDir', runDir);
  return async () => {
    await rm(runDir, { recursive: true, force: true });
  };
}
