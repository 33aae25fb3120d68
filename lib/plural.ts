/** "1 node", "3 nodes": a count with its noun, singular only for exactly one. */
export const plural = (count: number, noun: string, nouns = `${noun}s`): string =>
  `${count} ${count === 1 ? noun : nouns}`;
