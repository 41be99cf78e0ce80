import { EnvironmentConfig } from '../../src';
import { dev } from './dev';
import { lab } from './lab';
import { preprod } from './preprod';
import { prod } from './prod';
import { staging } from './staging';

/** Every environment, in promotion order (a change reaches lab first and prod last). */
export const ENVIRONMENTS: readonly EnvironmentConfig[] = [lab, dev, staging, preprod, prod];
