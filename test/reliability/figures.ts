// The suite's figures, one section per test file, merged into test/reliability/.figures.json (git-ignored)
// so the closing note can quote them, with a one-line summary printed after each file. Test files run in
// parallel workers, so the read-merge-write happens under a lock directory.

import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const FILE = fileURLToPath(new URL('./.figures.json', import.meta.url));
const LOCK = `${FILE}.lock`;
const STALE_LOCK_MS = 30_000;

export type Figures = Record<string, unknown> & {
  secrets?: { artifactsScanned: number; secretsFound: number };
};

async function withLock<T>(work: () => Promise<T>): Promise<T> {
  for (let tries = 0; ; tries++) {
    try {
      await mkdir(LOCK);
      break;
    } catch {
      // A crashed writer left its lock behind.
      const age = await stat(LOCK).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > STALE_LOCK_MS || tries > 500) await rm(LOCK, { recursive: true, force: true });
      await sleep(10);
    }
  }
  try {
    return await work();
  } finally {
    await rm(LOCK, { recursive: true, force: true });
  }
}

async function readSections(): Promise<Record<string, Figures>> {
  try {
    const parsed: unknown = JSON.parse(await readFile(FILE, 'utf8'));
    return typeof parsed === 'object' && parsed !== null && 'sections' in parsed
      ? ((parsed as { sections: Record<string, Figures> }).sections ?? {})
      : {};
  } catch {
    return {};
  }
}

const numberAt = (value: unknown, ...path: string[]): number => {
  let current = value;
  for (const key of path) current = (current as Record<string, unknown> | undefined)?.[key];
  return typeof current === 'number' ? current : 0;
};

/** Totals over every section: what the closing note quotes. */
export function summarize(sections: Record<string, Figures>) {
  const faults = sections.faults;
  const fuzz: Record<string, number> = {};
  for (const section of Object.values(sections)) {
    for (const [input, cases] of Object.entries(
      (section.fuzzCases as Record<string, number> | undefined) ?? {},
    ))
      fuzz[input] = (fuzz[input] ?? 0) + cases;
  }
  const all = Object.values(sections);
  return {
    faultsInjected: (faults?.faultsInjected as Record<string, number> | undefined) ?? {},
    cycles: all.reduce((sum, s) => sum + numberAt(s, 'cycles'), 0),
    patchesChecked: all.reduce((sum, s) => sum + numberAt(s, 'patchesChecked'), 0),
    races: all.reduce((sum, s) => sum + numberAt(s, 'races'), 0),
    raceInvocations: all.reduce((sum, s) => sum + numberAt(s, 'raceInvocations'), 0),
    fuzzCases: fuzz,
    artifactsScanned: all.reduce((sum, s) => sum + numberAt(s, 'secrets', 'artifactsScanned'), 0),
    secretsFound: all.reduce((sum, s) => sum + numberAt(s, 'secrets', 'secretsFound'), 0),
  };
}

/** Stores this file's figures under `section` and prints the suite's totals so far. */
export async function recordFigures(section: string, figures: Figures): Promise<void> {
  const summary = await withLock(async () => {
    const sections = {
      ...(await readSections()),
      [section]: { ...figures, recordedAt: new Date().toISOString() },
    };
    const summary = summarize(sections);
    const temporary = `${FILE}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify({ summary, sections }, null, 2)}\n`);
    await rename(temporary, FILE);
    return summary;
  });
  const faults = Object.entries(summary.faultsInjected)
    .map(([kind, count]) => `${kind} ${count}`)
    .join(', ');
  const fuzz = Object.entries(summary.fuzzCases)
    .map(([input, cases]) => `${input} ${cases}`)
    .join(', ');
  console.log(
    `[reliability:${section}] faults injected {${faults}}; cycles ${summary.cycles}; PATCHes checked ${summary.patchesChecked}; ` +
      `races ${summary.races} (${summary.raceInvocations} invocations); fuzz cases {${fuzz}}; ` +
      `secrets found ${summary.secretsFound} in ${summary.artifactsScanned} artifacts`,
  );
}
