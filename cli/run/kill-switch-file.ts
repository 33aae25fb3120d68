// The kill switch of `run` where there is no SSM: a file an operator creates to pause every change
// (`touch` it; `echo off >` it or delete it to resume). Read before every write, like the Lambda one.

import { readFile } from 'node:fs/promises';
import { interpretKillSwitch, type KillSwitch } from '../../lib/kill-switch';

/**
 * Absent: released. Present and empty: engaged (so `touch` pauses). Otherwise its text as the SSM value is
 * read (on/off, true/false...). A file that exists but cannot be read counts as engaged.
 */
export function fileKillSwitch(path: string): KillSwitch {
  return {
    async read() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return { engaged: false, reason: `kill switch file ${path} is absent` };
        return {
          engaged: true,
          reason: `kill switch file ${path} unreadable (${code ?? 'read failed'}); treated as engaged`,
        };
      }
      if (text.trim() === '') return { engaged: true, reason: `kill switch file ${path} exists (empty)` };
      const state = interpretKillSwitch(text);
      return { ...state, reason: `${state.reason} (file ${path})` };
    },
  };
}
