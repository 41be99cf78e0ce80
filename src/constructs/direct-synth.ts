/**
 * `app.synth()` of cdk8s writes each chart's objects as they stand after construction: a
 * namespace profile's hooks have not run yet (they run as a prepare step, see `addPrepare`), and
 * no check has run, so the file would be empty and exit 0. A MeshChart therefore refuses to be
 * synthesized that way and says what to call instead.
 */
import { Chart } from 'cdk8s';
import { addPrepare } from './checks';

/** What `app.synth()` of an App with a MeshChart reports. */
export const DIRECT_SYNTH_MESSAGE =
  'is a MeshChart: app.synth() would skip its hooks and checks and write an empty file. ' +
  'fix: synthesize it with synthesize([environmentConfig], build) or runSynth/synthPlatform (or the command eks-istio-mesh synth), not app.synth()';

/** Make cdk8s' validation (run by `app.synth()`) fail until the library's prepare steps have run. */
export function refuseDirectSynth(chart: Chart): void {
  let prepared = false;
  addPrepare(chart, () => {
    prepared = true;
  });
  chart.node.addValidation({ validate: () => (prepared ? [] : [DIRECT_SYNTH_MESSAGE]) });
}
