import { writeFileSync } from 'node:fs';
import { CHART_CRD_FILE, CHART_SPEC_SCHEMA_FILE, renderValuesSchema } from './build-chart-files.js';
import { CRD_FILE, renderCrdYaml } from './build-crd.js';

// Run from the package root (npm scripts do): writes every file generated from operator/src/spec.ts.
const files: [string, string][] = [
  [CRD_FILE, renderCrdYaml()],
  [CHART_CRD_FILE, renderCrdYaml()],
  [CHART_SPEC_SCHEMA_FILE, renderValuesSchema()],
];
for (const [file, content] of files) {
  writeFileSync(file, content);
  process.stdout.write(`wrote ${file}\n`);
}
