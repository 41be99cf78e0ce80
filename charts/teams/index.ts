import { NamespaceProfile, NamespaceProfileProps } from '../../src';
import { Catalog } from './catalog';
import { Orders } from './orders';
import { Payments } from './payments';
import { Construct } from 'constructs';

/** A team's profile class. */
export type TeamProfile = new (scope: Construct, id: string, props: NamespaceProfileProps) => NamespaceProfile;

/**
 * Every team's profile, by namespace. An environment emits a namespace only when its config lists
 * it under `namespaces`.
 */
export const TEAMS: Readonly<Record<string, TeamProfile>> = {
  catalog: Catalog,
  orders: Orders,
  payments: Payments,
};
