// Everything the process writes while the handlers run (Powertools JSON logs, EMF metrics, warnings),
// kept raw: the secret scan must see lines that are not JSON too.

import { vi } from 'vitest';

export interface CapturedOutput {
  text(): string;
  /** Forget what was written so far (keeps memory flat over thousands of fuzz cases). */
  drain(): string;
  restore(): void;
}

export function captureRawOutput(): CapturedOutput {
  let written: string[] = [];
  const record = (chunk: string | Uint8Array) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(record),
    vi.spyOn(process.stderr, 'write').mockImplementation(record),
  ];
  return {
    text: () => written.join(''),
    drain: () => {
      const text = written.join('');
      written = [];
      return text;
    },
    restore: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}
