// `npm run bench`: every benchmark in turn, each printing its figures, then all of them in
// bench/results/latest.json (bench/results is git-ignored). A section that fails is reported as failed and the
// others still run; the function bundles are measured only where bench/bundles.ts provides measureBundles.
//
// A section whose own checks fail (scale-in: `count` must kill jobs on every scenario, `idle-nodes` none) prints
// its figures, then FAILED with the checks missed, and the run exits non-zero.
//
//   npm run bench [-- --only planner,cycle,quality,headroom,forecast,scale-in,soldout,idle-seconds,bundles]

import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { benchCycleCost, formatCycleCost } from './cycle-cost';
import { benchForecast, formatForecast } from './forecast';
import { benchHeadroom, formatHeadroom } from './headroom';
import { benchIdleSeconds, formatIdleSeconds } from './idle-seconds';
import { benchPlanner, type PlannerFigures } from './planner';
import { benchQuality, formatQuality } from './quality';
import { benchScaleIn, failedScaleInChecks, formatScaleIn } from './scale-in';
import { benchSoldOut, formatSoldOut } from './soldout';

const RESULTS = join(import.meta.dirname, 'results', 'latest.json');

type Section =
  | 'planner'
  | 'cycle'
  | 'quality'
  | 'headroom'
  | 'forecast'
  | 'scale-in'
  | 'soldout'
  | 'idle-seconds'
  | 'bundles';
const SECTIONS: Section[] = [
  'planner',
  'cycle',
  'quality',
  'headroom',
  'forecast',
  'scale-in',
  'soldout',
  'idle-seconds',
  'bundles',
];

type Outcome =
  | { status: 'ok'; seconds: number; figures: unknown }
  | { status: 'checks failed'; seconds: number; figures: unknown; failed: string[] }
  | { status: 'failed' | 'not available'; reason: string };

function formatPlanner(figures: PlannerFigures): string {
  return (
    `planner: ${figures.pools} pools x ${figures.flavors} flavors x ${figures.azs} AZs: ${figures.msPerCycle} ms per ` +
    `cycle (min ${figures.minMs}, max ${figures.maxMs}), ${figures.msPerCycleAllChanging} ms with every pool changing; ` +
    `median of ${figures.runs} after ${figures.warmUpRuns} warm-up runs, GC between runs: ${figures.gcBetweenRuns}; ` +
    `${figures.patched} patched, ${figures.held} held, ${figures.skipped} skipped ` +
    `(target < ${figures.targetMs} ms: ${figures.withinTarget ? 'met' : 'MISSED'})`
  );
}

async function bundles(): Promise<{ figures: unknown; text: string } | undefined> {
  let module: Record<string, unknown>;
  try {
    module = (await import('./bundles')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const { measureBundles, formatBundleReport } = module;
  if (typeof measureBundles !== 'function') return undefined;
  // Its own build folder: a `tsx bench/bundles.ts` running at the same time clears the default one.
  const figures: unknown = await measureBundles({
    outDir: join(import.meta.dirname, 'results', 'bundles-run'),
  });
  const text =
    typeof formatBundleReport === 'function'
      ? String(formatBundleReport(figures))
      : JSON.stringify(figures, null, 2);
  return { figures, text: `function bundles:\n${text}` };
}

async function runSection(section: Section): Promise<{ outcome: Outcome; text: string }> {
  const started = performance.now();
  const seconds = () => Math.round((performance.now() - started) / 100) / 10;
  const done = (figures: unknown, text: string): { outcome: Outcome; text: string } => ({
    outcome: { status: 'ok', seconds: seconds(), figures },
    text,
  });
  switch (section) {
    case 'planner': {
      const figures = await benchPlanner();
      return done(figures, formatPlanner(figures));
    }
    case 'cycle': {
      const figures = await benchCycleCost();
      return done(figures, formatCycleCost(figures));
    }
    case 'quality': {
      const figures = await benchQuality();
      return done(figures, formatQuality(figures));
    }
    case 'headroom': {
      const figures = benchHeadroom();
      return done(figures, formatHeadroom(figures));
    }
    case 'forecast': {
      const figures = benchForecast();
      return done(figures, formatForecast(figures));
    }
    case 'scale-in': {
      const figures = benchScaleIn();
      const failed = failedScaleInChecks(figures);
      if (failed.length === 0) return done(figures, formatScaleIn(figures));
      return {
        outcome: { status: 'checks failed', seconds: seconds(), figures, failed },
        text: `${formatScaleIn(figures)}\nscale-in: FAILED: ${failed.join('; ')}`,
      };
    }
    case 'soldout': {
      const figures = benchSoldOut();
      return done(figures, formatSoldOut(figures));
    }
    case 'idle-seconds': {
      const figures = benchIdleSeconds();
      return done(figures, formatIdleSeconds(figures));
    }
    case 'bundles': {
      const measured = await bundles();
      if (measured === undefined) {
        const reason = 'bench/bundles.ts does not provide measureBundles';
        return {
          outcome: { status: 'not available', reason },
          text: `function bundles: not available (${reason})`,
        };
      }
      return done(measured.figures, measured.text);
    }
  }
}

function selectedSections(): Section[] {
  const at = process.argv.indexOf('--only');
  if (at < 0) return SECTIONS;
  const names = (process.argv[at + 1] ?? '').split(',');
  const unknown = names.filter((name) => !(SECTIONS as string[]).includes(name));
  if (unknown.length > 0) throw new Error(`--only takes ${SECTIONS.join(', ')}; got ${unknown.join(', ')}`);
  return names as Section[];
}

const started = performance.now();
const results: Partial<Record<Section, Outcome>> = {};
for (const section of selectedSections()) {
  try {
    const { outcome, text } = await runSection(section);
    results[section] = outcome;
    console.log(`${text}\n`);
    if (outcome.status === 'checks failed') process.exitCode = 1;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    results[section] = { status: 'failed', reason };
    console.log(`${section}: FAILED: ${reason}\n`);
    process.exitCode = 1;
  }
}
const report = {
  at: new Date().toISOString(),
  node: process.version,
  cpus: availableParallelism(),
  cpuModel: cpus()[0]?.model ?? 'unknown',
  totalSeconds: Math.round((performance.now() - started) / 100) / 10,
  results,
};
await mkdir(join(import.meta.dirname, 'results'), { recursive: true });
await writeFile(RESULTS, `${JSON.stringify(report, null, 2)}\n`);
console.log(`every figure: ${RESULTS} (${report.totalSeconds} s in all)`);
