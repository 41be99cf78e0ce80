/**
 * `npm run plan`: where every namespace stands in every environment, as Markdown.
 */
import * as fs from 'node:fs';
import { EnvironmentConfig } from '../config/environment-config';
import { renderPlan } from '../checks/migration/plan';
import { synthesize } from '../synth/synthesize';
import { EnvironmentBuilder } from '../synth/types';
import { SynthError } from '../core/problem';

/** Options of {@link runPlan}. */
export interface RunPlanOptions {
  /** Every environment, in promotion order. */
  readonly environments: readonly EnvironmentConfig[];
  readonly build: EnvironmentBuilder;
  /**
   * Write the Markdown to this file.
   *
   * @default - print it
   */
  readonly outFile?: string;
  /**
   * Where each environment's config lives, for messages.
   *
   * @default - 'EnvironmentConfig'
   */
  readonly configSource?: (name: string) => string;
  /** @default console.log */
  readonly out?: (text: string) => void;
}

/** @returns 0, or 1 when the environments do not synthesize (the problems are printed) */
export function runPlan(options: RunPlanOptions): number {
  const out = options.out ?? console.log;
  try {
    const results = synthesize(options.environments, options.build, { rules: [], meshReport: false, configSource: options.configSource });
    const markdown = renderPlan(results.map(r => r.states));
    if (options.outFile) fs.writeFileSync(options.outFile, markdown);
    else out(markdown);
    return 0;
  } catch (e) {
    if (!(e instanceof SynthError)) throw e;
    out(e.message);
    return 1;
  }
}
