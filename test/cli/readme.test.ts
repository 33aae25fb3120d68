import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CREDENTIAL_ENV } from '../../lib/modelarts/credentials';
import { ROOT } from './harness';

// What the READMEs tell a newcomer must hold for the code: the variables it reads, the warnings a first
// install shows, and what the example config does.

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const README = read('README.md');
const EMULATOR_README = read('emulator/README.md');

const paragraphs = (text: string) => text.split(/\n\s*\n/);
const mentioning = (text: string, phrase: string) => paragraphs(text).filter((p) => p.includes(phrase));

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return sources(path);
    return /\.(ts|js)$/.test(name) ? [read(path)] : [];
  });
}

describe('the READMEs', () => {
  it('say that --auth verify takes the HUAWEICLOUD_SDK_AK / _SK pair, wherever they mention it', () => {
    for (const text of [README, EMULATOR_README]) {
      const about = mentioning(text, '--auth verify');
      expect(about.length).toBeGreaterThan(0);
      expect(about.join('\n')).toContain(CREDENTIAL_ENV.ak);
      expect(about.join('\n')).toContain(CREDENTIAL_ENV.sk);
    }
  });

  it('name only environment variables that the code reads', () => {
    const code = ['cli', 'lib', 'emulator', 'functions'].flatMap(sources).join('\n');
    const named = new Set(
      `${README}\n${EMULATOR_README}`.match(/\b(?:HUAWEICLOUD_SDK|AUTOSCALER|EMULATOR)_[A-Z_]+\b/g),
    );
    expect(named.size).toBeGreaterThan(5);
    for (const variable of named) expect(code, `${variable} is named but never read`).toContain(variable);
  });

  it('say that npm ci on a Node older than the engines field warns, and that this is expected', () => {
    const wanted = /\d+/.exec(JSON.parse(read('package.json')).engines.node)?.[0];
    const about = mentioning(README, 'EBADENGINE').join('\n');
    expect(about).toContain(`older than ${wanted}`);
    expect(about).toMatch(/expected/);
  });

  it('say that the example config is a dry run, so apply patches nothing until dryRun: false', () => {
    expect(parse(read('config.example.yaml')).dryRun).toBe(true);
    const about = mentioning(README, 'dryRun: true').filter((p) => p.includes('`apply`'));
    expect(about.join('\n')).toMatch(/dryRun:\s+false/);
  });
});
