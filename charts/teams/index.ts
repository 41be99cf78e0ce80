import { TeamRegistry } from '../../src';
import { Catalog } from './catalog';
import { Orders } from './orders';
import { Payments } from './payments';

export type { TeamProfile } from '../../src';

/**
 * Every team's profile, by namespace. An environment emits a namespace only when its config lists
 * it under `namespaces`.
 */
export const TEAMS: TeamRegistry = {
  catalog: Catalog,
  orders: Orders,
  payments: Payments,
};
