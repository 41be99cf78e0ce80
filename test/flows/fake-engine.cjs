#!/usr/bin/env node
/*
 * A stand-in for the flows engine in unit tests: reads flows.json and writes decisions.json in the
 * engine's format. Each flow is decided as expected, except where FAKE_FLOWS_RULES (JSON: a list of
 * { "match": "<substring of the id>", "decision": "allow"|"deny", "layer": "..." }) says otherwise.
 * FAKE_FLOWS_EXIT=2 makes it refuse its input, as the engine does on bad input.
 */
const fs = require('node:fs');
const args = process.argv.slice(2);
const arg = name => args[args.indexOf(name) + 1];
if (process.env.FAKE_FLOWS_EXIT === '2') {
  process.stderr.write(`${arg('--objects')}: Pod payments/x: spec.containers: missing\n`);
  process.exit(2);
}
fs.readFileSync(arg('--objects'), 'utf8');
const input = JSON.parse(fs.readFileSync(arg('--flows'), 'utf8'));
const rules = JSON.parse(process.env.FAKE_FLOWS_RULES || '[]');
const decisions = input.flows.map(f => {
  const rule = rules.find(r => f.id.includes(r.match));
  const decision = rule ? rule.decision : f.expect;
  const layer = decision === 'allow' ? 'allowed' : (rule && rule.layer) || 'ztunnel';
  const component = decision === 'allow' ? 'ztunnel' : layer;
  const matched = decision === 'allow' ? 'payments/allow-direct-payments-api' : 'default deny';
  return { id: f.id, decision, layer, hops: [{ hop: `${component} fake hop for ${f.id}`, component, decision, matched }] };
});
fs.writeFileSync(arg('--out'), `${JSON.stringify({ engine: { istio: 'fake' }, decisions }, null, 2)}\n`);
