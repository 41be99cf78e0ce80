/**
 * Application Load Balancer attributes (`alb.loadBalancerAttributes`), with the kind of value each
 * takes.
 *
 * Source: the Elastic Load Balancing v2 API model, `LoadBalancerAttribute.Key` (as generated into
 * aws/aws-sdk-go-v2 `service/elasticloadbalancingv2/types/types.go`): which attributes Application
 * Load Balancers support, their values and ranges. The AWS Load Balancer Controller passes the
 * annotation's pairs to `ModifyLoadBalancerAttributes` unchanged, so a key or value AWS refuses
 * fails the controller's reconcile of the Ingress, in the cluster, long after the merge.
 */
import { closestName } from '../core/closest';
import { byCodePoint } from '../core/sort';

/** What an attribute's value may be. */
export type AttributeValueKind =
  | { readonly kind: 'boolean' }
  | { readonly kind: 'integer'; readonly min: number; readonly max: number }
  | { readonly kind: 'enum'; readonly values: readonly string[]; readonly why?: string }
  | { readonly kind: 's3-bucket' }
  | { readonly kind: 's3-prefix' };

const BOOLEAN = { kind: 'boolean' } as const;
const BUCKET = { kind: 's3-bucket' } as const;
const PREFIX = { kind: 's3-prefix' } as const;

/** Every attribute an Application Load Balancer accepts, by key. */
export const ALB_ATTRIBUTES: Readonly<Record<string, AttributeValueKind>> = {
  'access_logs.s3.bucket': BUCKET,
  'access_logs.s3.enabled': BOOLEAN,
  'access_logs.s3.prefix': PREFIX,
  'client_keep_alive.seconds': { kind: 'integer', min: 60, max: 604800 },
  'connection_logs.s3.bucket': BUCKET,
  'connection_logs.s3.enabled': BOOLEAN,
  'connection_logs.s3.prefix': PREFIX,
  'deletion_protection.enabled': BOOLEAN,
  'health_check_logs.s3.bucket': BUCKET,
  'health_check_logs.s3.enabled': BOOLEAN,
  'health_check_logs.s3.prefix': PREFIX,
  'idle_timeout.timeout_seconds': { kind: 'integer', min: 1, max: 4000 },
  'ipv6.deny_all_igw_traffic': BOOLEAN,
  'load_balancing.cross_zone.enabled': {
    kind: 'enum',
    values: ['true'],
    why: 'cross-zone load balancing is always on for Application Load Balancers and cannot be changed',
  },
  'routing.http.desync_mitigation_mode': { kind: 'enum', values: ['monitor', 'defensive', 'strictest'] },
  'routing.http.drop_invalid_header_fields.enabled': BOOLEAN,
  'routing.http.preserve_host_header.enabled': BOOLEAN,
  'routing.http.x_amzn_tls_version_and_cipher_suite.enabled': BOOLEAN,
  'routing.http.xff_client_port.enabled': BOOLEAN,
  'routing.http.xff_header_processing.mode': { kind: 'enum', values: ['append', 'preserve', 'remove'] },
  'routing.http2.enabled': BOOLEAN,
  'waf.fail_open.enabled': BOOLEAN,
  'zonal_shift.config.enabled': BOOLEAN,
};

/** Attributes of other load balancer types, which an Application Load Balancer refuses. */
export const NON_ALB_ATTRIBUTES: readonly string[] = ['dns_record.client_routing_policy', 'secondary_ips.auto_assigned.per_subnet'];

/** S3 bucket names: 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit. */
const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** One problem with an attribute, without the field path. */
export interface AttributeProblem {
  readonly key: string;
  readonly value: unknown;
  readonly message: string;
  readonly fix: string;
}

/** Check load balancer attributes against {@link ALB_ATTRIBUTES}; every problem is returned. */
export function albAttributeProblems(attributes: Readonly<Record<string, unknown>>): AttributeProblem[] {
  const problems: AttributeProblem[] = [];
  const known = Object.keys(ALB_ATTRIBUTES);
  for (const [key, value] of Object.entries(attributes).sort(([a], [b]) => byCodePoint(a, b))) {
    const spec = ALB_ATTRIBUTES[key];
    if (!spec) {
      if (NON_ALB_ATTRIBUTES.includes(key)) {
        problems.push({
          key,
          value: key,
          message: 'is an attribute of Network Load Balancers, which an Application Load Balancer refuses',
          fix: 'remove it',
        });
      } else {
        // A typo, or the right family with the wrong name (idle_timeout.seconds).
        const family = known.filter(k => k.split('.')[0] === key.split('.')[0]);
        const near = closestName(key, known, 6) ?? (family.length === 1 ? family[0] : undefined);
        problems.push({
          key,
          value: key,
          message: `is not an Application Load Balancer attribute${near ? ` (did you mean '${near}'?)` : ''}`,
          fix: near ? `rename it to '${near}'` : `use one of ${known.join(', ')}`,
        });
      }
      continue;
    }
    if (typeof value !== 'string') {
      problems.push({ key, value, message: 'must be given as a string', fix: "quote the value, e.g. 'true' or '60'" });
      continue;
    }
    switch (spec.kind) {
      case 'boolean':
        if (value !== 'true' && value !== 'false')
          problems.push({ key, value, message: "must be 'true' or 'false'", fix: "write 'true' or 'false' (lowercase)" });
        break;
      case 'integer': {
        const seconds = /^\d+$/.test(value) ? Number(value) : NaN;
        if (!(seconds >= spec.min && seconds <= spec.max))
          problems.push({
            key,
            value,
            message: `must be a whole number from ${spec.min} to ${spec.max}`,
            fix: `give a number of seconds in ${spec.min}-${spec.max}`,
          });
        break;
      }
      case 'enum':
        if (!spec.values.includes(value))
          problems.push({
            key,
            value,
            message: spec.why ? `must be ${spec.values.map(v => `'${v}'`).join(' or ')}: ${spec.why}` : `must be one of ${spec.values.join(', ')}`,
            fix: spec.why ? 'remove it' : `use one of ${spec.values.join(', ')}`,
          });
        break;
      case 's3-bucket':
        if (!S3_BUCKET.test(value) || value.includes('..'))
          problems.push({
            key,
            value,
            message: 'is not an S3 bucket name',
            fix: 'give the bucket name only (no s3:// or ARN): 3-63 lowercase letters, digits, . and -',
          });
        break;
      case 's3-prefix':
        break;
    }
  }
  // A log stream turned on needs its bucket.
  for (const stream of ['access_logs', 'connection_logs', 'health_check_logs']) {
    if (attributes[`${stream}.s3.enabled`] === 'true' && attributes[`${stream}.s3.bucket`] === undefined) {
      problems.push({
        key: `${stream}.s3.enabled`,
        value: 'true',
        message: `turns the logs on without ${stream}.s3.bucket, which AWS requires`,
        fix: `set '${stream}.s3.bucket' to a bucket in the ALB's region`,
      });
    }
  }
  return problems;
}
