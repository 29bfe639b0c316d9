import { writeFileSync } from 'node:fs';
import { CRD_FILE, renderCrdYaml } from './build-crd.js';

// Run from the package root (npm scripts do): writes the CRD where the tests and manifests expect it.
writeFileSync(CRD_FILE, renderCrdYaml());
process.stdout.write(`wrote ${CRD_FILE}\n`);
