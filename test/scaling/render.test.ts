import { describe, expect, it } from 'vitest';
import { plan } from '../../lib/scaling/plan';
import { renderPlanTable } from '../../lib/scaling/render';
import { azs, failed, flavorPolicy, NOW, nodes, ok, poolInput, poolPolicy, running } from './builders';

const GPU = 'modelarts.bm.gpu.8v100';
const CPU = 'modelarts.vm.cpu.8u';

const example = () =>
  plan({
    now: NOW,
    pools: [
      poolInput(
        running([
          {
            flavor: GPU,
            count: 3,
            azs: azs({ 'az-a': 2, 'az-b': 1 }),
          },
          { flavor: CPU, count: 2 },
        ]),
        poolPolicy([flavorPolicy(GPU, { targetPerNode: 10, scaleUp: { policies: [nodes(4, 15)] } })]),
        { [GPU]: ok(95, 'sqs:jobs'), 'modelarts.vm.gone': ok(1) },
        { key: 'p1/pool-a' },
      ),
      poolInput(
        running([{ flavor: GPU, count: 1 }], { controlMode: 9 }),
        poolPolicy([flavorPolicy(GPU)]),
        {},
        {
          key: 'p1/pool-b',
        },
      ),
    ],
  });

describe('renderPlanTable', () => {
  it('shows each pool, flavor, current -> target, AZ change, action, backlog, desired and every reason', () => {
    expect(renderPlanTable(example())).toBe(
      [
        'p1/pool-a  PATCH',
        '  note: unknown-flavor: backlog for flavor modelarts.vm.gone, which the pool does not have: ignored',
        '  FLAVOR                  COUNT   ACTION    AZS                   BACKLOG  DESIRED  REASONS',
        '  modelarts.bm.gpu.8v100  3 -> 7  scale-up  az-a 2->4, az-b 1->3  95       10       desired: backlog 95 at 10 per node wants 10 nodes',
        '                                                                                    rate-limited: step policies allow at most 7 now',
        '  modelarts.vm.cpu.8u     2       hold      -                     -        -        unmanaged: no policy for flavor modelarts.vm.cpu.8u: kept at 2',
        '',
        'p1/pool-b  SKIP  control-mode: controlMode 9 = billing-change-restricted + frozen',
        '',
      ].join('\n'),
    );
  });

  it('is plain text unless colour is asked for, and colour only adds escape codes', () => {
    const plain = renderPlanTable(example());
    const coloured = renderPlanTable(example(), { color: true });
    expect(plain).not.toContain('\x1b[');
    expect(coloured).toContain('\x1b[32mscale-up');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI escape codes
    expect(coloured.replace(/\x1b\[\d+m/g, '')).toBe(plain);
  });

  it('shows a backlog its source could not give as n/a', () => {
    const failedPlan = plan({
      now: NOW,
      pools: [
        poolInput(running([{ flavor: GPU, count: 2 }]), poolPolicy([flavorPolicy(GPU)]), { [GPU]: failed() }),
      ],
    });
    expect(renderPlanTable(failedPlan)).toContain(
      `  ${GPU}  2      hold    -    n/a      2        backlog-unavailable: backlog failed (sqs:jobs): the source is failed`,
    );
  });

  it('says so when there is no pool', () => {
    expect(renderPlanTable({ at: NOW, pools: [] })).toBe('no pools\n');
  });
});
