import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileKillSwitch } from '../../cli/run/kill-switch-file';
import { readiness, recordCycle } from '../../cli/run/readiness';
import { runSettings } from '../../cli/run/settings';
import { EXAMPLE_CONFIG } from '../../cli/setup';
import { loadConfig } from '../../lib/config';
import { applyEnvironment, readEnvironment } from '../../lib/config/env';
import { scratchDir } from './harness';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const rule = { intervalMs: 10_000, intervals: 3 };

describe('readiness of a run', () => {
  it('is not ready before a cycle finished, ready within N intervals of a success', () => {
    expect(readiness({}, T0, rule)).toEqual({ ready: false, reason: 'no cycle has finished yet' });
    const health = recordCycle({}, { at: T0, ok: true });
    expect(readiness(health, T0 + 30_000, rule)).toEqual({
      ready: true,
      lastSuccessAt: '2026-01-01T00:00:00.000Z',
    });
  });

  it('stays ready through a failed cycle, and names the failure once the window has passed', () => {
    let health = recordCycle({}, { at: T0, ok: true });
    health = recordCycle(health, {
      at: T0 + 10_000,
      ok: false,
      problem: 'cannot reach h for connection "c"',
    });
    expect(readiness(health, T0 + 20_000, rule).ready).toBe(true);
    expect(readiness(health, T0 + 30_001, rule)).toEqual({
      ready: false,
      reason:
        'no successful cycle for 30 s (more than 3 intervals of 10 s); the last one failed: cannot reach h for connection "c"',
      lastSuccessAt: '2026-01-01T00:00:00.000Z',
      lastCycleAt: '2026-01-01T00:00:10.000Z',
    });
  });

  it('is not ready when cycles have stopped finishing (a stuck loop)', () => {
    const health = recordCycle({}, { at: T0, ok: true });
    expect(readiness(health, T0 + 45_000, rule)).toMatchObject({
      ready: false,
      reason: 'no cycle has finished for 45 s (more than 3 intervals of 10 s)',
    });
  });

  it('says when no cycle has ever succeeded', () => {
    const health = recordCycle({}, { at: T0, ok: false, problem: 'boom' });
    expect(readiness(health, T0, rule)).toMatchObject({
      ready: false,
      reason: 'no cycle has succeeded yet; the last one failed: boom',
    });
  });
});

describe('the kill switch file', () => {
  it('is released when absent, engaged when present and empty, and reads on/off like the SSM switch', async () => {
    const path = join(scratchDir(), 'pause');
    const killSwitch = fileKillSwitch(path);
    expect((await killSwitch.read()).engaged).toBe(false);
    for (const [text, engaged] of [
      ['', true],
      ['on\n', true],
      ['off\n', false],
      ['resume please', true],
    ] as const) {
      writeFileSync(path, text);
      expect((await killSwitch.read()).engaged, JSON.stringify(text)).toBe(engaged);
    }
  });

  it('counts as engaged when it exists but cannot be read', async () => {
    const state = await fileKillSwitch(scratchDir()).read();
    expect(state).toEqual({
      engaged: true,
      reason: expect.stringMatching(/unreadable \(EISDIR\); treated as engaged/),
    });
  });
});

describe('run settings from flags and the environment', () => {
  it('reads the image environment, flags winning; port 0 turns the health server off', () => {
    const env = {
      AUTOSCALER_HEALTH_PORT: '8080',
      AUTOSCALER_HEALTH_HOST: '0.0.0.0',
      AUTOSCALER_JSON_LINES: 'true',
      AUTOSCALER_KILL_SWITCH_FILE: '/state/kill-switch',
    };
    expect(runSettings({}, env)).toEqual({
      health: { port: 8080, host: '0.0.0.0' },
      readyIntervals: 3,
      killSwitchFile: '/state/kill-switch',
      jsonLines: true,
    });
    expect(runSettings({ 'health-port': '0', 'ready-intervals': '5' }, env)).toMatchObject({
      readyIntervals: 5,
    });
    expect(runSettings({ 'health-port': '0' }, env).health).toBeUndefined();
    expect(runSettings({}, {})).toEqual({ readyIntervals: 3, jsonLines: false });
  });

  it('refuses a bad port or switch, naming where it came from', () => {
    expect(() => runSettings({}, { AUTOSCALER_HEALTH_PORT: 'http' })).toThrow(
      'AUTOSCALER_HEALTH_PORT must be a port number 0-65535 (0: no health server), got "http"',
    );
    expect(() => runSettings({ 'health-port': '70000' }, {})).toThrow(/--health-port must be a port number/);
    expect(() => runSettings({}, { AUTOSCALER_JSON_LINES: 'maybe' })).toThrow(
      /AUTOSCALER_JSON_LINES must be true or false/,
    );
  });
});

describe('AUTOSCALER_STATE_FILE', () => {
  it('keeps state in that file whatever the config says, and cannot be combined with a table', async () => {
    const config = await loadConfig({
      path: EXAMPLE_CONFIG,
      env: { AUTOSCALER_STATE_FILE: '/state/state.json' },
    });
    expect(config.state).toEqual({ type: 'file', path: '/state/state.json' });
    const { settings, issues } = readEnvironment({ AUTOSCALER_STATE_FILE: '/state/state.json' });
    expect(issues).toEqual([]);
    expect(applyEnvironment({ state: { type: 'memory' } } as never, settings).state).toEqual({
      type: 'file',
      path: '/state/state.json',
    });
    expect(readEnvironment({ AUTOSCALER_STATE_FILE: '/s.json', AUTOSCALER_STATE_TABLE: 't' }).issues).toEqual(
      [{ path: 'AUTOSCALER_STATE_FILE', message: 'cannot be set with AUTOSCALER_STATE_TABLE: pick one' }],
    );
  });
});
