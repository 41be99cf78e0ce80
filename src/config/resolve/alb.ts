/** The `alb` section: the one ALB in front of the ingress gateway. */
import { isDnsSubdomain } from '../../core/names';
import { AlbScheme, EnvironmentConfig } from '../environment-config';
import { albAttributeProblems } from '../load-balancer-attributes';
import { DEFAULT_SSL_POLICY, LEGACY_SSL_POLICIES, sslPolicyProblem, TLS13_SSL_POLICIES } from '../ssl-policies';
import { ResolvedEnvironment } from './types';
import {
  ACM_ARN,
  arnMismatch,
  collector,
  duplicates,
  GROUP_NAME,
  ipv4CidrProblem,
  isEnumValue,
  isPlainObject,
  LB_ATTRIBUTE_KEY,
  LB_ATTRIBUTE_VALUE,
  NOT_AN_ALB_SCHEME,
  NOT_AN_INGRESS_GROUP,
  partitionProblem,
  Resolved,
  sortedRecord,
  SUBNET_ID,
  WAF_ARN,
} from './validators';
import { byCodePoint } from '../../core/sort';

/** Default load-balancer attributes: drop headers with invalid characters (request smuggling). */
export const DEFAULT_LOAD_BALANCER_ATTRIBUTES: Readonly<Record<string, string>> = {
  'routing.http.drop_invalid_header_fields.enabled': 'true',
};

/** Defaults of the `alb` section. */
export const ALB_DEFAULTS = {
  sslPolicy: DEFAULT_SSL_POLICY,
  ingressName: 'istio-ingress',
  /** Merged under the configured attributes. */
  loadBalancerAttributes: DEFAULT_LOAD_BALANCER_ATTRIBUTES,
} as const;

/** What the `alb` section needs from the rest of the config. */
export interface AlbContext {
  /** The environment's region, or undefined when it is not a region name (reported on its own). */
  readonly awsRegion?: string;
}

/** Check the `alb` section and apply its defaults. */
export function resolveAlb(raw: EnvironmentConfig['alb'] | undefined, context: AlbContext): Resolved<ResolvedEnvironment['alb']> {
  const { problems, bad } = collector();
  const region = context.awsRegion;
  const alb = raw ?? ({} as EnvironmentConfig['alb']);
  if (!isEnumValue(AlbScheme, alb.scheme)) {
    bad('alb.scheme', alb.scheme, NOT_AN_ALB_SCHEME, 'set AlbScheme.INTERNAL or AlbScheme.INTERNET_FACING');
  }
  const arns = Array.isArray(alb.certificateArns) ? alb.certificateArns : [];
  if (arns.length === 0) {
    bad(
      'alb.certificateArns',
      alb.certificateArns,
      'must list at least one ACM certificate ARN',
      'add the ARN of the ACM certificate that covers the domains',
    );
  }
  arns.forEach((arn, i) => {
    const match = typeof arn === 'string' ? ACM_ARN.exec(arn) : null;
    const mismatch = match ? arnMismatch(match, region) : undefined;
    if (!match) {
      bad(`alb.certificateArns[${i}]`, arn, 'is not an ACM certificate ARN', 'use arn:aws:acm:<region>:<12-digit account>:certificate/<uuid>');
    } else if (mismatch === 'region') {
      bad(
        `alb.certificateArns[${i}]`,
        arn,
        `is in region ${match[2]} but the ALB is in ${region}`,
        `use a certificate issued or imported in ACM in ${region}`,
      );
    } else if (mismatch === 'partition') {
      const { message, fix } = partitionProblem(match, region!, 'acm');
      bad(`alb.certificateArns[${i}]`, arn, message, fix);
    }
  });
  const sslPolicy = alb.sslPolicy ?? ALB_DEFAULTS.sslPolicy;
  const sslProblem = sslPolicyProblem(sslPolicy);
  if (sslProblem) {
    const fix = LEGACY_SSL_POLICIES.includes(sslPolicy)
      ? `use a TLS 1.3 policy such as ${DEFAULT_SSL_POLICY} or ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09`
      : `use one of ${TLS13_SSL_POLICIES.join(', ')}`;
    bad('alb.sslPolicy', sslPolicy, sslProblem, fix);
  }
  if (alb.groupName !== undefined && !(typeof alb.groupName === 'string' && GROUP_NAME.test(alb.groupName))) {
    bad(
      'alb.groupName',
      alb.groupName,
      NOT_AN_INGRESS_GROUP,
      'use at most 63 lowercase letters, digits, - and ., starting and ending with a letter or digit',
    );
  }
  if (alb.groupOrder !== undefined) {
    if (alb.groupName === undefined) {
      bad('alb.groupOrder', alb.groupOrder, 'is set without alb.groupName', 'set alb.groupName, or remove alb.groupOrder');
    } else if (!Number.isInteger(alb.groupOrder) || alb.groupOrder < -1000 || alb.groupOrder > 1000) {
      bad('alb.groupOrder', alb.groupOrder, 'must be an integer from -1000 to 1000', 'pick an order in range; lower numbers are evaluated first');
    }
  }
  if (alb.subnets !== undefined) {
    const subnets = Array.isArray(alb.subnets) ? alb.subnets : [];
    if (!Array.isArray(alb.subnets) || alb.subnets.length < 2) {
      bad(
        'alb.subnets',
        alb.subnets,
        'must list at least two subnets (an ALB needs two availability zones)',
        'list two or more subnet IDs, or remove the field to use tag discovery',
      );
    }
    subnets.forEach((subnet, i) => {
      const isId = typeof subnet === 'string' && SUBNET_ID.test(subnet);
      const isName =
        typeof subnet === 'string' && !subnet.startsWith('subnet-') && subnet.length > 0 && subnet.length <= 256 && !subnet.includes(',');
      if (!isId && !isName) {
        bad(
          `alb.subnets[${i}]`,
          subnet,
          'is neither a subnet ID nor a subnet Name tag',
          'use an ID such as subnet-0123456789abcdef0, or the subnet Name tag',
        );
      }
    });
    for (const subnet of duplicates(subnets)) bad('alb.subnets', subnet, 'lists a subnet twice', 'remove the duplicate');
  }
  if (alb.wafAclArn !== undefined) {
    const match = typeof alb.wafAclArn === 'string' ? WAF_ARN.exec(alb.wafAclArn) : null;
    if (!match) {
      bad('alb.wafAclArn', alb.wafAclArn, 'is not a WAFv2 web ACL ARN', 'use arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id>');
    } else if (match[4] !== 'regional') {
      bad('alb.wafAclArn', alb.wafAclArn, 'is a global (CloudFront) web ACL', 'create the web ACL with scope REGIONAL in the ALB region');
    } else if (region !== undefined && match[2] !== region) {
      bad('alb.wafAclArn', alb.wafAclArn, `is in region ${match[2]} but the ALB is in ${region}`, `use a regional web ACL in ${region}`);
    }
  }
  const lbAttributes = { ...ALB_DEFAULTS.loadBalancerAttributes, ...(isPlainObject(alb.loadBalancerAttributes) ? alb.loadBalancerAttributes : {}) };
  if (alb.loadBalancerAttributes !== undefined && !isPlainObject(alb.loadBalancerAttributes)) {
    bad(
      'alb.loadBalancerAttributes',
      alb.loadBalancerAttributes,
      'must be an object of attribute keys to string values',
      "e.g. { 'idle_timeout.timeout_seconds': '120' }",
    );
  }
  // The ALB's own rules first (ELBv2 attribute names and value kinds); then what the annotation
  // can carry: its pairs are joined with , and =.
  const attributeProblems = albAttributeProblems(lbAttributes);
  for (const [key, value] of Object.entries(lbAttributes)) {
    const known = attributeProblems.filter(p => p.key === key);
    const field = `alb.loadBalancerAttributes['${key}']`;
    if (!LB_ATTRIBUTE_KEY.test(key))
      bad(field, key, 'is not a load balancer attribute key', 'use the attribute key as AWS documents it, e.g. idle_timeout.timeout_seconds');
    else if (known.length > 0) known.forEach(p => bad(field, p.value, p.message, p.fix));
    else if (typeof value === 'string' && !LB_ATTRIBUTE_VALUE.test(value))
      bad(field, value, 'must be a plain value without commas or =', "give the value as a string, e.g. 'true' or '60'");
  }
  const ingressName = alb.ingressName ?? ALB_DEFAULTS.ingressName;
  if (!isDnsSubdomain(ingressName)) {
    bad('alb.ingressName', ingressName, 'is not a valid object name', 'use lowercase letters, digits, - and .');
  }
  const sourceCidrs = Array.isArray(alb.sourceCidrs) ? alb.sourceCidrs : [];
  if (sourceCidrs.length === 0) {
    bad(
      'alb.sourceCidrs',
      alb.sourceCidrs,
      'must list the CIDRs the ALB sends from (the gateway accepts no other source)',
      "list the CIDRs of the ALB's subnets, e.g. ['10.0.0.0/24', '10.0.1.0/24']",
    );
  }
  sourceCidrs.forEach((cidr, i) => {
    const why = ipv4CidrProblem(cidr);
    if (why) bad(`alb.sourceCidrs[${i}]`, cidr, why, "give the CIDR of one ALB subnet, e.g. '10.0.0.0/24'");
  });
  for (const cidr of duplicates(sourceCidrs)) bad('alb.sourceCidrs', cidr, 'lists a CIDR twice', 'remove the duplicate');

  return {
    problems,
    value: {
      scheme: alb.scheme,
      certificateArns: [...arns],
      sslPolicy,
      groupName: alb.groupName,
      groupOrder: alb.groupOrder,
      subnets: alb.subnets ? [...alb.subnets] : undefined,
      wafAclArn: alb.wafAclArn,
      loadBalancerAttributes: sortedRecord(lbAttributes),
      ingressName,
      sourceCidrs: [...new Set(sourceCidrs)].sort(byCodePoint),
    },
  };
}
