// The usual cdk8s way: a MeshChart refuses it and names what to call instead.
import { App } from 'cdk8s';
import { resolveEnvironment } from 'eks-istio-mesh';
import { environments, Shop } from './platform';

const first = environments[0];
if (!first) throw new Error('no environment');
const { env } = resolveEnvironment(first);
if (!env) throw new Error('invalid environment');
const app = new App({ outdir: 'cdk8s-way' });
new Shop(app, 'shop', { env });
app.synth();
