// `npm run build`: compile src/ (and the generated CRD classes of imports/ it uses) to JavaScript
// and declarations in lib/, and ship the pinned CRD schemas beside them (lib/crd-schemas), so that
// `eks-istio-mesh synth` checks custom resources in any repository.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const lib = path.join(root, 'lib');
fs.rmSync(lib, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
fs.cpSync(path.join(root, 'crd-schemas'), path.join(lib, 'crd-schemas'), { recursive: true });
fs.chmodSync(path.join(lib, 'src', 'cli', 'bin.js'), 0o755);
