'use strict';
// Build-time reading of the autoscaler config file (YAML or JSON), for serverless.yml and the bundler:
// the functions get the parsed document inlined, so they need no YAML parser at run time, and the
// schedule rate follows the file's intervalSeconds. Validation stays with the functions (lib/config),
// which refuse to start on a bad document.

const { readFileSync } = require('node:fs');
const { resolve } = require('node:path');
const { LineCounter, parseDocument } = require('yaml');

const DEFAULT_INTERVAL_SECONDS = 60;

/** The parsed document; errors give a position only, as a pasted secret could sit on the line. */
function readConfigDocument(path) {
  const text = readFileSync(resolve(path), 'utf8');
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const where = doc.errors.map((error) => {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      return `line ${line}, column ${col}: ${error.code}`;
    });
    throw new Error(`config file ${path} is not valid YAML (${where.join('; ')})`);
  }
  return doc.toJS({ maxAliasCount: 100 });
}

/** EventBridge rates are whole minutes: intervalSeconds is rounded up, 1 minute at least. */
function scheduleRateFor(document) {
  const seconds =
    document && typeof document.intervalSeconds === 'number'
      ? document.intervalSeconds
      : DEFAULT_INTERVAL_SECONDS;
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  return minutes === 1 ? 'rate(1 minute)' : `rate(${minutes} minutes)`;
}

/** serverless.yml: `${file(functions/build/config-file.cjs):scheduleRate}`. */
async function scheduleRate({ resolveVariable }) {
  return scheduleRateFor(readConfigDocument(await resolveVariable('self:custom.autoscaler.configPath')));
}

module.exports = { readConfigDocument, scheduleRate, scheduleRateFor };
