import { pathToFileURL } from 'node:url';

// The few command-line flags the benchmarks take when run on their own (`npx tsx bench/quality.ts --seeds 3`).

/** The number after `--name`, or undefined when the flag is absent. Throws on a flag without a number. */
export function numberFlag(name: string, argv: readonly string[] = process.argv): number | undefined {
  const at = argv.indexOf(`--${name}`);
  if (at < 0) return undefined;
  const value = Number(argv[at + 1]);
  if (!Number.isFinite(value)) throw new Error(`--${name} takes a number, got "${argv[at + 1] ?? ''}"`);
  return value;
}

/** Whether this module is the script node was started with. */
export const isMain = (moduleUrl: string): boolean =>
  process.argv[1] !== undefined && moduleUrl === pathToFileURL(process.argv[1]).href;
