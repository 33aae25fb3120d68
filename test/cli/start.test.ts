import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from './harness';

// `npm start` is the newcomer's first contact: every scene the README promises must be in its output.

const section = (output: string, title: RegExp): string => {
  const start = output.search(title);
  if (start < 0) throw new Error(`no scene matching ${title} in:\n${output}`);
  const next = output.indexOf('\n== ', start + 1);
  return output.slice(start, next < 0 ? undefined : next);
};

describe('npm start (short mode)', () => {
  it('shows a dry run, a scale-up per AZ, an idle-node scale-in after stabilization, and pools left alone', async () => {
    const run = await runCli(['start', '--silent', '--', '--cycles', '20', '--fast'], {
      command: ['npm'],
      cwd: ROOT,
    });
    expect(run.code).toBe(0);
    const out = run.stdout;

    const dryRun = section(out, /== 1\. Dry run/);
    expect(dryRun).toMatch(
      /modelarts\.vm\.gpu\.t4u8\s+5 -> 6\s+scale-up\s+cn-north-7a 2, cn-north-7b 2, cn-north-7c 1->2/,
    );
    expect(dryRun).toContain('PATCH requests the emulator received during the dry run: 0');

    const grow = section(out, /== 2\. The queue grows/);
    expect(grow).toMatch(/queue of multi-gpu-pool: 9 jobs/);
    expect(grow).toMatch(
      /t4u8\s+6 -> 9 \(5 available, 1 creating\)\s+scale-up\s+cn-north-7a 2->3, cn-north-7b 2->3, cn-north-7c 2->3\s+patched/,
    );
    expect(grow).toMatch(
      /t4u8\s+9 -> 12 .*scale-up\s+cn-north-7a 3->4, cn-north-7b 3->4, cn-north-7c 3->4\s+patched/,
    );

    const drain = section(out, /== 3\. The queue drains/);
    const held = drain.search(/hold .*stabilized: scale-down window 300s/);
    // Nodes leave by name: drained in one cycle, deleted in the next; the node running the last job stays.
    const drained =
      /t4u8\s+12 -> 9\s+scale-down\s+cn-north-7a 4->3, cn-north-7b 4->3, cn-north-7c 4->3\s+drained\s+drain (os-node-\S+, os-node-\S+, os-node-\S+); kept busy: (os-node-[\w-]+)/.exec(
        drain,
      );
    expect(held).toBeGreaterThan(0);
    expect(drained?.index).toBeGreaterThan(held);
    const [, names, busy] = drained ?? [];
    expect(drain).toContain(`deleted  delete ${names}; kept busy: ${busy}`);
    expect(drain).toMatch(/t4u8\s+6 -> 3\s+scale-down/);
    expect(drain).not.toMatch(/scale-down\s+.*\spatched/);

    const alone = section(out, /== 4\. Left alone/);
    expect(alone).toMatch(
      /frozen-pool\s+modelarts\.vm\.cpu\.8u\s+2\s+skip\s+-\s+skipped\s+control-mode: controlMode 8 = frozen/,
    );
    expect(alone).toMatch(
      /creating-pool\s+modelarts\.vm\.cpu\.4ud\s+2\s+skip\s+-\s+skipped\s+phase-not-running: phase Creating is not Running/,
    );
    expect(alone).toContain('frozen-pool: 2 nodes before, 2 after, 0 PATCH requests');
    expect(alone).toContain('creating-pool: 2 nodes before, 2 after, 0 PATCH requests');
    expect(run.stderr).not.toMatch(/^error:/m);
  });
});
