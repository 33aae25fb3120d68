// Kubernetes-style equality selectors, as ListPools' `labelSelector` takes them: `k=v`, `k==v`, `k!=v`, `k`
// (label present) and `!k` (label absent), comma-separated, all of which must hold.

export type LabelRequirement =
  | { key: string; op: 'equals' | 'notEquals'; value: string }
  | { key: string; op: 'exists' | 'notExists' };

const KEY = /^[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?$/;

/** Parses a selector, throwing an Error that names the bad term. */
export function parseLabelSelector(selector: string): LabelRequirement[] {
  return selector
    .split(',')
    .map((term) => term.trim())
    .filter((term) => term !== '')
    .map(parseTerm);
}

function parseTerm(term: string): LabelRequirement {
  const match = /^([^!=]+?)\s*(!=|==|=)\s*(.*)$/.exec(term);
  const requirement: LabelRequirement = match
    ? { key: match[1] as string, op: match[2] === '!=' ? 'notEquals' : 'equals', value: match[3] as string }
    : term.startsWith('!')
      ? { key: term.slice(1).trim(), op: 'notExists' }
      : { key: term, op: 'exists' };
  if (!KEY.test(requirement.key)) throw new Error(`labelSelector term "${term}" has no valid label key`);
  return requirement;
}

export function matchesLabels(
  requirements: readonly LabelRequirement[],
  labels: Record<string, string | undefined>,
): boolean {
  return requirements.every((requirement) => matches(requirement, labels[requirement.key]));
}

function matches(requirement: LabelRequirement, value: string | undefined): boolean {
  switch (requirement.op) {
    case 'equals':
      return value === requirement.value;
    case 'notEquals':
      return value !== requirement.value;
    case 'exists':
      return value !== undefined;
    case 'notExists':
      return value === undefined;
  }
}
