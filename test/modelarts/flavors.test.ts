import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/server';
import { createModelArtsClient } from '../../lib/modelarts/client';
import { createFlavorsApi, FlavorResponseError } from '../../lib/modelarts/flavors';
import { type ScriptedServer, startScriptedServer } from './client-scripted-server';

// The flavor stock read: against the emulator, and against scripted answers for the shapes it must tolerate.

const open: (Emulator | ScriptedServer)[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((server) => server.close()));
});

const api = (endpoint: string, projectId = 'emulator-project') =>
  createFlavorsApi(
    createModelArtsClient({ projectId, endpoint, auth: { type: 'none' }, retry: { limit: 0 } }),
  );

async function scripted(...pages: unknown[]) {
  const server = await startScriptedServer((_request, index) => ({ status: 200, body: pages[index] }));
  open.push(server);
  return server;
}

describe('flavor stock read', () => {
  it('reads the per-AZ stock the emulator shows, sold-out AZs included', async () => {
    const emulator = await startEmulator({
      flavorStock: { 'modelarts.vm.cpu.4ud': { 'cn-north-7a': 'soldout' } },
    });
    open.push(emulator);
    const { flavors, errors } = await api(emulator.url).listFlavorStock();
    expect(errors).toEqual([]);
    expect(flavors.find((entry) => entry.flavor === 'modelarts.vm.cpu.4ud')?.azs['cn-north-7a']).toBe(
      'soldout',
    );
    expect(emulator.requests[0]?.path).toBe('/v1/emulator-project/resourceflavors');
  });

  it('keeps a stock word it does not know, an item without status, and fails a bad item alone, naming its field', async () => {
    const server = await scripted({
      items: [
        { metadata: { name: 'a' }, status: { phase: { z1: 'normal', z2: 'limited' } } },
        { metadata: { name: 'b' } },
        { metadata: { name: 'c' }, status: { phase: 'soldout' } },
        { status: {} },
      ],
    });
    const { flavors, errors } = await api(server.url).listFlavorStock();
    expect(flavors).toEqual([
      { flavor: 'a', azs: { z1: 'normal', z2: 'limited' } },
      { flavor: 'b', azs: {} },
    ]);
    expect(errors.map((error) => error.message)).toEqual([
      expect.stringMatching(/^flavor "c" has a bad response: status\.phase: expected record/),
      expect.stringMatching(
        /^flavor list items\[3\] of page 1 has a bad response: metadata: expected object/,
      ),
    ]);
  });

  it('follows metadata.continue, and says when the answer is not JSON', async () => {
    const server = await scripted(
      { metadata: { continue: 'next' }, items: [{ metadata: { name: 'a' } }] },
      { metadata: {}, items: [{ metadata: { name: 'b' } }] },
    );
    const { flavors } = await api(server.url).listFlavorStock();
    expect(flavors.map((entry) => entry.flavor)).toEqual(['a', 'b']);
    expect(server.requests[1]?.url).toBe('/v1/emulator-project/resourceflavors?continue=next');

    const broken = await scripted('not json');
    await expect(api(broken.url).listFlavorStock()).rejects.toThrow(FlavorResponseError);
  });
});
