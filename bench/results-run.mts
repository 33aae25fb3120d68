import { formatBundleReport, measureBundles } from './bundles.ts';
const r = await measureBundles({ runs: 7, outDir: `/tmp/bundles-out-${process.argv[2]}` });
console.log(formatBundleReport(r));
console.log(JSON.stringify(r.functions.map((f) => [f.name, f.bytes])));
