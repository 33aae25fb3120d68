import type { z } from 'zod';

/** One field that failed validation: where it is and what is wrong with it. */
export interface FieldProblem {
  path: string;
  problem: string;
}

export function formatProblems(problems: readonly FieldProblem[]): string {
  return problems.map(({ path, problem }) => (path === '' ? problem : `${path}: ${problem}`)).join('; ');
}

/** `spec.resources[0].count`, `metadata.annotations["os.modelarts/billing.mode"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

export function toFieldProblems(issues: readonly z.core.$ZodIssue[]): FieldProblem[] {
  return issues.map((issue) => ({
    path: formatPath(issue.path),
    // zod prefixes type and enum errors with "Invalid input: " / "Invalid option: ", which the path already says.
    problem: issue.message.replace(/^Invalid (input|option): /, ''),
  }));
}
