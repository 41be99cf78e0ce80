// Expectations on what the package synthesized in the consumer repository (run there, after synth).
// Prints one line per named assertion and a closing "N passed, N failed"; exits 1 on any failure.
const fs = require('node:fs');
const path = require('node:path');
const { parseAllDocuments } = require('yaml');

const results = [];
function assert(name, ok, detail) {
  results.push(ok);
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok || !detail ? '' : `: ${detail}`}`);
}
function objects(file) {
  return parseAllDocuments(fs.readFileSync(file, 'utf8')).map(d => d.toJS());
}
const [stage] = process.argv.slice(2);

if (stage === 'synth') {
  for (const env of ['dev', 'prod']) {
    const files = [
      `dist/${env}/kustomization.yaml`, `dist/${env}/MESH.md`, `dist/${env}/control-plane/10-control-plane.yaml`,
      `dist/${env}/config/20-mesh-baseline.yaml`, `dist/${env}/config/30-ingress.yaml`,
      `dist/${env}/namespaces/40-shop.yaml`, `dist/${env}/namespaces/40-billing.yaml`, `dist/flux/${env}/10-flux.yaml`,
    ];
    const missing = files.filter(f => !fs.existsSync(f));
    assert(`${env}: the files exist`, missing.length === 0, `missing ${missing.join(', ')}`);
    const shop = objects(`dist/${env}/namespaces/40-shop.yaml`);
    const billing = objects(`dist/${env}/namespaces/40-billing.yaml`);
    const ns = (objs, name) => objs.find(o => o.kind === 'Namespace' && o.metadata.name === name);
    assert(`${env}: the ambient namespace has istio.io/dataplane-mode: ambient`, ns(shop, 'shop')?.metadata.labels?.['istio.io/dataplane-mode'] === 'ambient');
    const billingLabels = ns(billing, 'billing')?.metadata.labels ?? {};
    assert(`${env}: the sidecar namespace has a sidecar injection label`, typeof billingLabels['istio.io/rev'] === 'string' || billingLabels['istio-injection'] === 'enabled', JSON.stringify(billingLabels));
    assert(`${env}: the ambient namespace is not labelled for injection`, !('istio.io/rev' in (ns(shop, 'shop')?.metadata.labels ?? {})) && !('istio-injection' in (ns(shop, 'shop')?.metadata.labels ?? {})));
    for (const [name, objs] of [['shop', shop], ['billing', billing]]) {
      const pa = objs.filter(o => o.kind === 'PeerAuthentication');
      assert(`${env}: ${name} has a STRICT PeerAuthentication`, pa.length > 0 && pa.every(p => p.spec?.mtls?.mode === 'STRICT'), JSON.stringify(pa.map(p => p.spec)));
      const deny = objs.find(o => o.kind === 'AuthorizationPolicy' && o.metadata.name === 'default-deny');
      assert(`${env}: ${name} denies by default (an AuthorizationPolicy with an empty spec)`, deny !== undefined && Object.keys(deny.spec ?? {}).length === 0);
    }
    const mesh = objects(`dist/${env}/config/20-mesh-baseline.yaml`).filter(o => o.kind === 'PeerAuthentication');
    assert(`${env}: the mesh-wide PeerAuthentication is STRICT`, mesh.length > 0 && mesh.every(p => p.spec?.mtls?.mode === 'STRICT'));
  }
} else if (stage === 'plant') {
  // A mistake a hand edit makes: the ambient namespace also labelled for sidecar injection.
  const file = 'planted/namespaces/40-shop.yaml';
  const text = fs.readFileSync(file, 'utf8');
  const planted = text.replace('istio.io/dataplane-mode: ambient', 'istio.io/dataplane-mode: ambient\n    istio-injection: enabled');
  assert('the planted mistake is in the file', planted !== text);
  fs.writeFileSync(file, planted);
} else {
  console.error(`unknown stage ${stage}`);
  process.exit(2);
}
const failed = results.filter(r => !r).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
