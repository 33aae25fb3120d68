import type { z } from 'zod';

// "Did you mean": the field an unknown key was most likely meant to be, found in the schema that refused it.
// Suggestions are schema keys, never text from the file.

// The parts of a zod definition that lead to nested schemas; every wrapper (optional, default, catch,
// readonly, ...) keeps what it wraps in innerType.
interface Definition {
  type: string;
  shape?: Record<string, z.core.$ZodType>;
  innerType?: z.core.$ZodType;
  in?: z.core.$ZodType;
  element?: z.core.$ZodType;
  valueType?: z.core.$ZodType;
  options?: readonly z.core.$ZodType[];
  left?: z.core.$ZodType;
  right?: z.core.$ZodType;
  getter?: () => z.core.$ZodType;
}

const definition = (schema: z.core.$ZodType) => schema._zod.def as unknown as Definition;

/** The keys the object schema at `path` takes; inside a union, those of every member. */
export function keysAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  const def = definition(schema);
  const [head, ...rest] = path;
  const below = (next: z.core.$ZodType | undefined) => (next === undefined ? [] : keysAt(next, rest));
  switch (def.type) {
    case 'object':
      return head === undefined ? Object.keys(def.shape ?? {}) : below(def.shape?.[String(head)]);
    case 'array':
      return head === undefined ? [] : below(def.element);
    case 'record':
      return head === undefined ? [] : below(def.valueType);
    case 'union':
      return [...new Set((def.options ?? []).flatMap((option) => keysAt(option, path)))];
    case 'intersection':
      return [def.left, def.right].flatMap((side) => (side === undefined ? [] : keysAt(side, path)));
    case 'pipe':
      return def.in === undefined ? [] : keysAt(def.in, path);
    case 'lazy':
      return def.getter === undefined ? [] : keysAt(def.getter(), path);
    default:
      return def.innerType === undefined ? [] : keysAt(def.innerType, path);
  }
}

/** Edits (insert, delete, replace, swap two neighbours) from one word to the other, ignoring case. */
function distance(from: string, to: string): number {
  const a = from.toLowerCase();
  const b = to.toLowerCase();
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => rows[i]?.[j] as number;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      (rows[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

// A typo of a few letters, or a known key cut short or run on (`stabilizationWindow`, `maxNodes`).
const allowedEdits = (word: string) => (word.length <= 4 ? 1 : word.length <= 8 ? 2 : 3);

const truncation = (word: string, known: string) => {
  const [short, long] = word.length < known.length ? [word, known] : [known, word];
  return short.length >= 3 && long.toLowerCase().startsWith(short.toLowerCase());
};

/** The known key closest to `word`, when it is close enough to be what was meant. */
export function nearMiss(word: string, known: readonly string[]): string | undefined {
  let best: { key: string; score: number } | undefined;
  for (const key of known) {
    if (key === word) continue;
    const edits = distance(word, key);
    const score =
      edits <= allowedEdits(word) ? edits : truncation(word, key) ? allowedEdits(word) + 1 : undefined;
    if (score !== undefined && (best === undefined || score < best.score)) best = { key, score };
  }
  return best?.key;
}
