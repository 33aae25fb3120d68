import { stringify } from 'yaml';

// A small valid config to vary per test: one connection, one pool, one flavor.
export const minimalConfig = () => ({
  connections: [{ name: 'main', region: 'cn-north-4', projectId: 'project-1' }],
  pools: [
    {
      name: 'pool-a',
      flavors: [
        { flavor: 'modelarts.vm.gpu.t4u8', max: 4, backlog: { source: { type: 'static', value: 3 } } },
      ],
    },
  ],
});

export const toYaml = (document: unknown): string => stringify(document);
