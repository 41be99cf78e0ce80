/**
 * Validate an {@link EnvironmentConfig} and apply its defaults.
 *
 * Every problem is collected; nothing is resolved from an invalid config.
 */
import { ReplicaPolicy } from './availability';
import { isDnsLabel, isDnsSubdomain, isDomainName, isLabelKey, isLabelValue, principalOf } from '../core/names';
import { Problem } from '../core/problem';
import { closestName } from '../core/closest';
import {
  ALB_CONFIG_FIELDS, AlbScheme, AVAILABILITY_CONFIG_FIELDS, CLUSTER_CONFIG_FIELDS, DataplaneMode, ENCRYPTED_STORAGE_CONFIG_FIELDS,
  ENVIRONMENT_CONFIG_FIELDS, EnvironmentConfig, FLUX_CONFIG_FIELDS, INGRESS_GATEWAY_CONFIG_FIELDS, InjectionStyle, IpFamily,
  ISTIO_CONFIG_FIELDS, MONITORING_CONFIG_FIELDS, MtlsMode, NAMESPACE_SETTINGS_FIELDS, NamespaceSettings, TELEMETRY_CONFIG_FIELDS,
} from './environment-config';
import { albAttributeProblems } from './load-balancer-attributes';
import { DEFAULT_ISTIO_CHART_REPOSITORY, DEFAULT_ISTIO_HUB, ISTIO_VERSION } from './istio-version';
import { DEFAULT_SSL_POLICY, LEGACY_SSL_POLICIES, TLS13_SSL_POLICIES } from './ssl-policies';
import { byCodePoint } from '../core/sort';

/** An environment with every default applied and the derived values computed. */
export interface ResolvedEnvironment {
  readonly name: string;
  readonly clusterName: string;
  readonly awsRegion: string;
  /** In the order the config lists them (duplicates are refused). */
  readonly domains: readonly string[];
  /** The first domain the config lists: the one profiles build their route hosts from. */
  readonly primaryDomain: string;
  /** AWS tags, including `Environment` and `Cluster`, sorted by key. */
  readonly tags: Readonly<Record<string, string>>;
  readonly alb: {
    readonly scheme: AlbScheme;
    readonly certificateArns: readonly string[];
    readonly sslPolicy: string;
    readonly groupName?: string;
    readonly groupOrder?: number;
    readonly subnets?: readonly string[];
    readonly wafAclArn?: string;
    readonly loadBalancerAttributes: Readonly<Record<string, string>>;
    readonly ingressName: string;
    /** IPv4 CIDRs the ALB sends from, sorted: the only sources the gateway pods accept. */
    readonly sourceCidrs: readonly string[];
  };
  readonly istio: {
    readonly revision: string;
    readonly injectionStyle: InjectionStyle;
    readonly mtlsMode: MtlsMode;
    readonly trustDomain: string;
    readonly rootNamespace: string;
    /** istiod revisions installed in the environment, sorted; `revision` is one of them. */
    readonly installedRevisions: readonly string[];
    /** The platform's Istio version (every chart and the default image tag). */
    readonly version: string;
    /** Image registry (`global.hub`). */
    readonly hub: string;
    /** Image tag (`global.tag`): the version, or the version and a mirror suffix. */
    readonly tag: string;
    /** Helm repository of the Istio charts (`https://` or `oci://`). */
    readonly chartRepository: string;
    /** Why the mesh-wide mode may be ahead of the previous environment's. */
    readonly mtlsAheadOfPreviousBecause?: string;
  };
  readonly ingressGateway: {
    readonly namespace: string;
    readonly serviceName: string;
    readonly serviceAccount: string;
    readonly selectorLabels: Readonly<Record<string, string>>;
    readonly gatewayName: string;
    readonly tlsSecretName: string;
    /**
     * Hosts of the gateway's servers: `<namespace>/*` for each enabled app-team namespace, sorted,
     * so that only VirtualServices of those namespaces bind; `<gateway namespace>/*` when none is
     * enabled.
     */
    readonly hosts: readonly string[];
    readonly plainHttpServer: boolean;
    /** SPIFFE principal of the gateway pods. */
    readonly principal: string;
    /** `<namespace>/<gatewayName>`, as VirtualService `gateways` names it. */
    readonly gatewayRef: string;
  };
  /** Enabled app-team namespaces, by name, sorted, with their migration settings. */
  readonly namespaces: Readonly<Record<string, ResolvedNamespaceSettings>>;
  /** Namespaces taken out of the environment, by name, sorted, with the reason. */
  readonly retiredNamespaces: Readonly<Record<string, string>>;
  readonly cluster: {
    readonly ipFamily: IpFamily;
  };
  /** The Prometheus admitted to the proxies' metrics ports, when configured. */
  readonly monitoring?: {
    readonly namespace: string;
    /** Sorted by key; undefined admits every pod of the namespace. */
    readonly podLabels?: Readonly<Record<string, string>>;
  };
  readonly telemetry: {
    readonly tracingProvider: string;
    readonly collectorHost: string;
    /** Namespace of the collector Service, parsed from its host. */
    readonly collectorNamespace: string;
    readonly collectorPort: number;
    readonly samplingPercentage: number;
    readonly accessLogging: boolean;
    /** Literal span tags: `cluster`, `environment` and the configured ones, sorted by key. */
    readonly customTags: Readonly<Record<string, string>>;
  };
  readonly flux: {
    readonly namespace: string;
    readonly sourceName: string;
    /** Infrastructure Kustomizations the Istio install waits for. */
    readonly dependsOn: readonly string[];
    /** Path of `dist/<env>` in the repository, starting with `./`. */
    readonly path: string;
    readonly kustomizationPrefix: string;
    readonly interval: string;
  };
  readonly availability: {
    readonly highlyAvailable: boolean;
    readonly metricsServer: boolean;
    /** Replica policy of istiod, the ingress gateway and every waypoint. */
    readonly replicas: ReplicaPolicy;
  };
  readonly encryptedStorage?: {
    readonly kmsKeyArn: string;
    readonly name: string;
    readonly isDefault: boolean;
  };
}

/** Environment names that are folders of `dist/` with another meaning. */
export const RESERVED_ENVIRONMENT_NAMES: readonly string[] = ['flux'];

/** A namespace's settings with the mTLS default applied (the dataplane default comes from its profile). */
export interface ResolvedNamespaceSettings extends NamespaceSettings {
  readonly mtlsMode: MtlsMode;
}

/** Default load-balancer attributes: drop headers with invalid characters (request smuggling). */
export const DEFAULT_LOAD_BALANCER_ATTRIBUTES: Readonly<Record<string, string>> = {
  'routing.http.drop_invalid_header_fields.enabled': 'true',
};

const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$/;
const ACM_ARN = /^arn:(aws|aws-cn|aws-us-gov):acm:([a-z0-9-]+):(\d{12}):certificate\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const WAF_ARN = /^arn:(aws|aws-cn|aws-us-gov):wafv2:([a-z0-9-]+):(\d{12}):(regional|global)\/webacl\/[A-Za-z0-9_-]{1,128}\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SUBNET_ID = /^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/;
const EKS_CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;
const GROUP_NAME = /^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$/;
const AWS_TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/+\-@]*$/u;
const LB_ATTRIBUTE_KEY = /^[a-z0-9][a-z0-9._]*$/;
const LB_ATTRIBUTE_VALUE = /^[A-Za-z0-9._\-/]+$/;
const COLLECTOR_HOST = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const PROVIDER_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const KMS_KEY_ARN = /^arn:(aws|aws-cn|aws-us-gov):kms:([a-z0-9-]+):(\d{12}):key\/(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
const IMAGE_HUB = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:\d+)?(\/[a-z0-9]([-a-z0-9._]*[a-z0-9])?)*$/;
const TAG_SUFFIX = /^[A-Za-z0-9_.-]{0,100}$/;
const GO_DURATION = /^(\d+(ms|s|m|h))+$/;
const TAG_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$/;
const REPO_PATH = /^\.\/[A-Za-z0-9_./-]*$/;
const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Why an IPv4 CIDR cannot be a source of the gateway, or undefined when it is fine. */
export function ipv4CidrProblem(cidr: unknown): string | undefined {
  const m = typeof cidr === 'string' ? IPV4_CIDR.exec(cidr) : null;
  if (!m) return 'is not an IPv4 CIDR';
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some(o => o > 255) || m.slice(1, 5).some(o => o.length > 1 && o.startsWith('0')) || prefix > 32) return 'is not an IPv4 CIDR';
  if (prefix === 0) return 'admits every address, so every pod could skip the ALB';
  const address = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  const hostBits = prefix === 32 ? 0 : (address & (0xffffffff >>> prefix)) >>> 0;
  if (hostBits !== 0) return 'has host bits set';
  return undefined;
}

function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

function isEnumValue<T extends Record<string, string>>(e: T, value: unknown): value is T[keyof T] {
  return Object.values(e).includes(value as string);
}

/** Fields the config once had, each reported with its own message instead of "unknown". */
const RETIRED_FIELDS: Readonly<Record<string, readonly string[]>> = { ingressGateway: ['hosts'] };

/** The object levels of an environment config and their known fields. */
const CONFIG_LEVELS: ReadonlyArray<readonly [string, Readonly<Record<string, true>>]> = [
  ['alb', ALB_CONFIG_FIELDS],
  ['istio', ISTIO_CONFIG_FIELDS],
  ['ingressGateway', INGRESS_GATEWAY_CONFIG_FIELDS],
  ['telemetry', TELEMETRY_CONFIG_FIELDS],
  ['flux', FLUX_CONFIG_FIELDS],
  ['encryptedStorage', ENCRYPTED_STORAGE_CONFIG_FIELDS],
  ['availability', AVAILABILITY_CONFIG_FIELDS],
  ['cluster', CLUSTER_CONFIG_FIELDS],
  ['monitoring', MONITORING_CONFIG_FIELDS],
];

/** Fields whose value is a map with free keys (names, labels, tags), not an object with known fields. */
const MAP_FIELDS = ['namespaces', 'retiredNamespaces', 'tags'];

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Unknown fields at every object level: the configs run through tsx without type checking, so a
 * typo would otherwise be dropped silently.
 */
function unknownFieldProblems(config: EnvironmentConfig): { problems: Problem[]; malformed: boolean } {
  const problems: Problem[] = [];
  let malformed = false;
  const check = (path: string, what: string, value: unknown, known: Readonly<Record<string, true>>) => {
    if (value === undefined) return;
    if (!isPlainObject(value)) {
      malformed = true;
      problems.push({ field: path || '(config)', value, message: `must be an object (${what})`, fix: `give ${path} as { ${Object.keys(known).slice(0, 3).join(', ')}, ... }, or remove it` });
      return;
    }
    const retired = RETIRED_FIELDS[path] ?? [];
    for (const key of Object.keys(value).sort(byCodePoint)) {
      if (key in known || retired.includes(key)) continue;
      const near = closestName(key, Object.keys(known));
      const field = path === '' ? key : `${path}.${key}`;
      problems.push({
        field, value: value[key],
        message: `is not a field of ${what}: '${key}' is unknown${near ? ` (did you mean '${near}'?)` : ''}`,
        fix: near ? `rename '${key}' to '${near}'` : `remove it; ${what} has ${Object.keys(known).join(', ')}`,
      });
    }
  };
  check('', 'EnvironmentConfig', config, ENVIRONMENT_CONFIG_FIELDS);
  if (!isPlainObject(config)) return { problems, malformed };
  for (const [path, known] of CONFIG_LEVELS) check(path, path, config[path as keyof EnvironmentConfig], known);
  for (const field of MAP_FIELDS) {
    const value = config[field as keyof EnvironmentConfig];
    if (value !== undefined && !isPlainObject(value)) {
      malformed = true;
      problems.push({ field, value, message: 'must be an object keyed by name', fix: `give ${field} as { <name>: ... }, or remove it` });
    }
  }
  if (isPlainObject(config.namespaces)) {
    for (const [ns, settings] of Object.entries(config.namespaces).sort(([a], [b]) => byCodePoint(a, b))) {
      check(`namespaces['${ns}']`, `the settings of namespace ${ns}`, settings, NAMESPACE_SETTINGS_FIELDS);
    }
  }
  return { problems, malformed };
}

function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => byCodePoint(a, b)));
}

/**
 * Check a config and resolve its defaults.
 *
 * @returns the resolved environment when there is no problem, and every problem found
 */
export function resolveEnvironment(config: EnvironmentConfig): { env?: ResolvedEnvironment; problems: Problem[] } {
  const problems: Problem[] = [];
  const bad = (field: string, value: unknown, message: string, fix: string) => problems.push({ field, value, message, fix });
  // A level that is not an object stops here: nothing below it can be read.
  const shape = unknownFieldProblems(config);
  problems.push(...shape.problems);
  if (shape.malformed) return { problems };

  if (!isDnsLabel(config.name)) {
    bad('name', config.name, 'must be a DNS label (lowercase letters, digits and -, at most 63 characters)', "use a short name such as 'prod'");
  } else if (RESERVED_ENVIRONMENT_NAMES.includes(config.name)) {
    bad('name', config.name, 'is reserved: dist/flux/ holds the Flux Kustomizations of every environment', "use another name, such as 'ops'");
  }
  if (typeof config.clusterName !== 'string' || !EKS_CLUSTER_NAME.test(config.clusterName)) {
    bad('clusterName', config.clusterName, 'is not a valid EKS cluster name', 'use 1-100 letters, digits, - and _, starting with a letter or digit');
  }
  const regionOk = typeof config.awsRegion === 'string' && REGION.test(config.awsRegion);
  if (!regionOk) {
    bad('awsRegion', config.awsRegion, 'is not an AWS region name', "use a region code such as 'eu-west-1'");
  }

  // Domains: what routes may serve and what the gateway certificate names.
  const domains = Array.isArray(config.domains) ? config.domains : [];
  if (domains.length === 0) {
    bad('domains', config.domains, 'must list at least one domain', "list the DNS domains this environment serves, e.g. ['apps.example.com']");
  }
  domains.forEach((d, i) => {
    if (typeof d === 'string' && d.startsWith('*.')) {
      bad(`domains[${i}]`, d, 'must be a domain, not a wildcard', `write '${d.slice(2)}': names under a domain are allowed already`);
    } else if (!isDomainName(d)) {
      bad(`domains[${i}]`, d, 'is not a valid DNS name', 'use lowercase labels of letters, digits and - separated by dots, e.g. apps.example.com');
    }
  });
  const dupDomains = domains.filter((d, i) => domains.indexOf(d) !== i);
  for (const d of new Set(dupDomains)) bad('domains', d, 'lists a domain twice', 'remove the duplicate');

  // ALB.
  const alb = config.alb ?? ({} as EnvironmentConfig['alb']);
  if (!isEnumValue(AlbScheme, alb.scheme)) {
    bad('alb.scheme', alb.scheme, `must be one of ${Object.values(AlbScheme).join(', ')}`, 'set AlbScheme.INTERNAL or AlbScheme.INTERNET_FACING');
  }
  const arns = Array.isArray(alb.certificateArns) ? alb.certificateArns : [];
  if (arns.length === 0) {
    bad('alb.certificateArns', alb.certificateArns, 'must list at least one ACM certificate ARN', 'add the ARN of the ACM certificate that covers the domains');
  }
  arns.forEach((arn, i) => {
    const m = typeof arn === 'string' ? ACM_ARN.exec(arn) : null;
    if (!m) {
      bad(`alb.certificateArns[${i}]`, arn, 'is not an ACM certificate ARN', 'use arn:aws:acm:<region>:<12-digit account>:certificate/<uuid>');
    } else if (regionOk && m[2] !== config.awsRegion) {
      bad(`alb.certificateArns[${i}]`, arn, `is in region ${m[2]} but the ALB is in ${config.awsRegion}`, `use a certificate issued or imported in ACM in ${config.awsRegion}`);
    } else if (regionOk && m[1] !== partitionOf(config.awsRegion)) {
      bad(`alb.certificateArns[${i}]`, arn, `has partition ${m[1]} but region ${config.awsRegion} is in ${partitionOf(config.awsRegion)}`, `use an arn:${partitionOf(config.awsRegion)}:acm ARN`);
    }
  });
  const sslPolicy = alb.sslPolicy ?? DEFAULT_SSL_POLICY;
  if (LEGACY_SSL_POLICIES.includes(sslPolicy)) {
    bad('alb.sslPolicy', sslPolicy, 'offers no TLS 1.3', `use a TLS 1.3 policy such as ${DEFAULT_SSL_POLICY} or ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09`);
  } else if (!TLS13_SSL_POLICIES.includes(sslPolicy)) {
    bad('alb.sslPolicy', sslPolicy, 'is not a known ELB security policy', `use one of ${TLS13_SSL_POLICIES.join(', ')}`);
  }
  if (alb.groupName !== undefined && !(typeof alb.groupName === 'string' && GROUP_NAME.test(alb.groupName))) {
    bad('alb.groupName', alb.groupName, 'is not a valid IngressGroup name', 'use at most 63 lowercase letters, digits, - and ., starting and ending with a letter or digit');
  }
  if (alb.groupOrder !== undefined) {
    if (alb.groupName === undefined) {
      bad('alb.groupOrder', alb.groupOrder, 'is set without alb.groupName', 'set alb.groupName, or remove alb.groupOrder');
    } else if (!Number.isInteger(alb.groupOrder) || alb.groupOrder < -1000 || alb.groupOrder > 1000) {
      bad('alb.groupOrder', alb.groupOrder, 'must be an integer from -1000 to 1000', 'pick an order in range; lower numbers are evaluated first');
    }
  }
  if (alb.subnets !== undefined) {
    if (!Array.isArray(alb.subnets) || alb.subnets.length < 2) {
      bad('alb.subnets', alb.subnets, 'must list at least two subnets (an ALB needs two availability zones)', 'list two or more subnet IDs, or remove the field to use tag discovery');
    }
    (Array.isArray(alb.subnets) ? alb.subnets : []).forEach((s, i) => {
      const isId = typeof s === 'string' && SUBNET_ID.test(s);
      const isName = typeof s === 'string' && !s.startsWith('subnet-') && s.length > 0 && s.length <= 256 && !s.includes(',');
      if (!isId && !isName) {
        bad(`alb.subnets[${i}]`, s, 'is neither a subnet ID nor a subnet Name tag', 'use an ID such as subnet-0123456789abcdef0, or the subnet Name tag');
      }
    });
    const dup = (Array.isArray(alb.subnets) ? alb.subnets : []).filter((s, i, all) => all.indexOf(s) !== i);
    for (const s of new Set(dup)) bad('alb.subnets', s, 'lists a subnet twice', 'remove the duplicate');
  }
  if (alb.wafAclArn !== undefined) {
    const m = typeof alb.wafAclArn === 'string' ? WAF_ARN.exec(alb.wafAclArn) : null;
    if (!m) {
      bad('alb.wafAclArn', alb.wafAclArn, 'is not a WAFv2 web ACL ARN', 'use arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id>');
    } else if (m[4] !== 'regional') {
      bad('alb.wafAclArn', alb.wafAclArn, 'is a global (CloudFront) web ACL', 'create the web ACL with scope REGIONAL in the ALB region');
    } else if (regionOk && m[2] !== config.awsRegion) {
      bad('alb.wafAclArn', alb.wafAclArn, `is in region ${m[2]} but the ALB is in ${config.awsRegion}`, `use a regional web ACL in ${config.awsRegion}`);
    }
  }
  const lbAttributes = { ...DEFAULT_LOAD_BALANCER_ATTRIBUTES, ...(isPlainObject(alb.loadBalancerAttributes) ? alb.loadBalancerAttributes : {}) };
  if (alb.loadBalancerAttributes !== undefined && !isPlainObject(alb.loadBalancerAttributes)) {
    bad('alb.loadBalancerAttributes', alb.loadBalancerAttributes, 'must be an object of attribute keys to string values', "e.g. { 'idle_timeout.timeout_seconds': '120' }");
  }
  // The ALB's own rules first (ELBv2 attribute names and value kinds); then what the annotation
  // can carry: its pairs are joined with , and =.
  const attributeProblems = albAttributeProblems(lbAttributes);
  for (const [k, v] of Object.entries(lbAttributes)) {
    const known = attributeProblems.filter(p => p.key === k);
    if (!LB_ATTRIBUTE_KEY.test(k)) bad(`alb.loadBalancerAttributes['${k}']`, k, 'is not a load balancer attribute key', 'use the attribute key as AWS documents it, e.g. idle_timeout.timeout_seconds');
    else if (known.length > 0) known.forEach(p => bad(`alb.loadBalancerAttributes['${k}']`, p.value, p.message, p.fix));
    else if (typeof v === 'string' && !LB_ATTRIBUTE_VALUE.test(v)) bad(`alb.loadBalancerAttributes['${k}']`, v, 'must be a plain value without commas or =', "give the value as a string, e.g. 'true' or '60'");
  }
  const ingressName = alb.ingressName ?? 'istio-ingress';
  if (!isDnsSubdomain(ingressName)) {
    bad('alb.ingressName', ingressName, 'is not a valid object name', 'use lowercase letters, digits, - and .');
  }
  const sourceCidrs = Array.isArray(alb.sourceCidrs) ? alb.sourceCidrs : [];
  if (sourceCidrs.length === 0) {
    bad('alb.sourceCidrs', alb.sourceCidrs, 'must list the CIDRs the ALB sends from (the gateway accepts no other source)', "list the CIDRs of the ALB's subnets, e.g. ['10.0.0.0/24', '10.0.1.0/24']");
  }
  sourceCidrs.forEach((c, i) => {
    const why = ipv4CidrProblem(c);
    if (why) bad(`alb.sourceCidrs[${i}]`, c, why, "give the CIDR of one ALB subnet, e.g. '10.0.0.0/24'");
  });
  for (const c of new Set(sourceCidrs.filter((c, i) => sourceCidrs.indexOf(c) !== i))) bad('alb.sourceCidrs', c, 'lists a CIDR twice', 'remove the duplicate');

  // Tags go into a comma-separated annotation: keep them to the AWS tag alphabet.
  const tags = sortedRecord({ Environment: config.name, Cluster: config.clusterName, ...(config.tags ?? {}) });
  for (const [k, v] of Object.entries(tags)) {
    if (k.length === 0 || k.length > 128 || !AWS_TAG_TEXT.test(k) || k.includes('=') || k.toLowerCase().startsWith('aws:')) {
      bad(`tags['${k}']`, k, 'is not a valid AWS tag key', 'use 1-128 letters, digits, spaces and _.:/+-@, not starting with aws:');
    }
    if (typeof v !== 'string' || v.length > 256 || !AWS_TAG_TEXT.test(v) || v.includes('=')) {
      bad(`tags['${k}']`, v, 'is not a valid AWS tag value', 'use at most 256 letters, digits, spaces and _.:/+-@');
    }
  }

  // Istio.
  const istio = config.istio ?? {};
  const revision = istio.revision ?? 'default';
  if (!isDnsLabel(revision)) {
    bad('istio.revision', revision, 'is not a valid revision name', "use a DNS label such as 'default' or '1-30'");
  }
  const injectionStyle = istio.injectionStyle ?? InjectionStyle.REVISION_LABEL;
  if (!isEnumValue(InjectionStyle, injectionStyle)) {
    bad('istio.injectionStyle', injectionStyle, `must be one of ${Object.values(InjectionStyle).join(', ')}`, 'use InjectionStyle.REVISION_LABEL');
  } else if (injectionStyle === InjectionStyle.INJECTION_LABEL && revision !== 'default') {
    bad('istio.injectionStyle', injectionStyle, `cannot select revision '${revision}': istio-injection=enabled is answered only by the default revision`, 'use InjectionStyle.REVISION_LABEL (istio.io/rev), or set istio.revision to default');
  }
  const mtlsMode = istio.mtlsMode ?? MtlsMode.STRICT;
  if (!isEnumValue(MtlsMode, mtlsMode)) {
    bad('istio.mtlsMode', mtlsMode, `must be one of ${Object.values(MtlsMode).join(', ')}`, 'use MtlsMode.STRICT, or MtlsMode.PERMISSIVE while namespaces migrate');
  }
  const trustDomain = istio.trustDomain ?? 'cluster.local';
  if (!isDnsSubdomain(trustDomain)) {
    bad('istio.trustDomain', trustDomain, 'is not a valid trust domain', "use the mesh's trust domain, usually 'cluster.local'");
  }
  const rootNamespace = istio.rootNamespace ?? 'istio-system';
  if (!isDnsLabel(rootNamespace)) {
    bad('istio.rootNamespace', rootNamespace, 'is not a valid namespace name', "use the namespace istiod runs in, usually 'istio-system'");
  }

  const revisions = istio.revisions ?? [revision];
  if (!Array.isArray(revisions) || revisions.length === 0) {
    bad('istio.revisions', revisions, 'must list at least one revision', `list the installed istiod revisions, e.g. ['${revision}']`);
  } else {
    revisions.forEach((r, i) => {
      if (!isDnsLabel(r, 55)) bad(`istio.revisions[${i}]`, r, 'is not a valid revision name', "use a DNS label of at most 55 characters such as '1-30'");
    });
    for (const r of new Set(revisions.filter((r, i) => revisions.indexOf(r) !== i))) bad('istio.revisions', r, 'lists a revision twice', 'remove the duplicate');
    if (revisions.length > 2) {
      bad('istio.revisions', revisions, 'lists more than two revisions', 'run at most the current and the canary revision side by side');
    }
    if (isDnsLabel(revision) && !revisions.includes(revision)) {
      bad('istio.revision', revision, `is not installed: istio.revisions lists ${revisions.join(', ')}`, `add '${revision}' to istio.revisions, or set istio.revision to one of them`);
    }
  }
  const hub = istio.hub ?? DEFAULT_ISTIO_HUB;
  if (typeof hub !== 'string' || !IMAGE_HUB.test(hub)) {
    bad('istio.hub', hub, 'is not an image registry path', 'e.g. 111122223333.dkr.ecr.eu-west-1.amazonaws.com/istio (no tag, no trailing /)');
  }
  const tag = istio.tag ?? ISTIO_VERSION;
  if (typeof tag !== 'string' || !(tag === ISTIO_VERSION || (tag.startsWith(`${ISTIO_VERSION}-`) && TAG_SUFFIX.test(tag.slice(ISTIO_VERSION.length + 1))))) {
    bad('istio.tag', tag, `is not the platform's Istio version ${ISTIO_VERSION}: images and charts would differ`, `remove the field, or use '${ISTIO_VERSION}' followed by your mirror's suffix ('${ISTIO_VERSION}-<suffix>'); upgrade Istio through ISTIO_VERSION`);
  }
  const chartRepository = istio.chartRepository ?? DEFAULT_ISTIO_CHART_REPOSITORY;
  if (typeof chartRepository !== 'string' || !/^(https|oci):\/\/[^\s/]+(\/[^\s]*)?$/.test(chartRepository) || chartRepository.endsWith('/')) {
    bad('istio.chartRepository', chartRepository, 'is not an https:// or oci:// repository URL', `use ${DEFAULT_ISTIO_CHART_REPOSITORY}, or your mirror (no trailing /)`);
  }

  // Ingress gateway.
  const gw = config.ingressGateway ?? {};
  const gwNamespace = gw.namespace ?? 'istio-system';
  const serviceName = gw.serviceName ?? 'istio-ingressgateway';
  const serviceAccount = gw.serviceAccount ?? serviceName;
  const selectorLabels = sortedRecord(gw.selectorLabels ?? { istio: serviceName.replace(/^istio-/, '') });
  const gatewayName = gw.gatewayName ?? 'shared-gateway';
  const tlsSecretName = gw.tlsSecretName ?? `${serviceName}-tls`;
  if (!isDnsLabel(gwNamespace)) bad('ingressGateway.namespace', gwNamespace, 'is not a valid namespace name', 'use the namespace the gateway Helm release is installed in');
  if (!isDnsLabel(serviceName)) bad('ingressGateway.serviceName', serviceName, 'is not a valid Service name', 'use the gateway Helm release name, e.g. istio-ingressgateway');
  if (!isDnsSubdomain(serviceAccount)) bad('ingressGateway.serviceAccount', serviceAccount, 'is not a valid ServiceAccount name', 'use the ServiceAccount of the gateway pods');
  if (serviceAccount === 'ztunnel') {
    bad('ingressGateway.serviceAccount', serviceAccount, 'names ztunnel, which never carries workload traffic', 'use the ServiceAccount of the gateway pods (the Helm release name)');
  }
  if (Object.keys(selectorLabels).length === 0) {
    bad('ingressGateway.selectorLabels', selectorLabels, 'must not be empty (an empty selector matches every gateway)', "give the gateway pods' labels, e.g. { istio: 'ingressgateway' }");
  }
  for (const [k, v] of Object.entries(selectorLabels)) {
    if (!isLabelKey(k)) bad(`ingressGateway.selectorLabels['${k}']`, k, 'is not a valid label key', 'use a Kubernetes label key');
    if (!isLabelValue(v) || v === '') bad(`ingressGateway.selectorLabels['${k}']`, v, 'is not a valid label value', 'use a non-empty Kubernetes label value');
  }
  if (!isDnsLabel(gatewayName)) bad('ingressGateway.gatewayName', gatewayName, 'is not a valid object name', 'use a DNS label such as shared-gateway');
  if (!isDnsSubdomain(tlsSecretName)) bad('ingressGateway.tlsSecretName', tlsSecretName, 'is not a valid Secret name', 'use lowercase letters, digits, - and .');
  const legacyHosts = (gw as { readonly hosts?: unknown }).hosts;
  if (legacyHosts !== undefined) {
    bad('ingressGateway.hosts', legacyHosts, 'is no longer a setting: the gateway binds routes of the enabled namespaces only (<namespace>/*)', 'remove the field; enable a namespace to let its routes bind, and route by host with AppRoute');
  }

  // Telemetry.
  const tel = config.telemetry ?? {};
  const tracingProvider = tel.tracingProvider ?? 'otel-tracing';
  const collectorHost = tel.collectorHost ?? 'opentelemetry-collector.observability.svc.cluster.local';
  const collectorPort = tel.collectorPort ?? 4317;
  const samplingPercentage = tel.samplingPercentage ?? 1;
  const hostMatch = typeof collectorHost === 'string' ? COLLECTOR_HOST.exec(collectorHost) : null;
  if (typeof tracingProvider !== 'string' || !PROVIDER_NAME.test(tracingProvider)) {
    bad('telemetry.tracingProvider', tracingProvider, 'is not a valid provider name', "use a name such as 'otel-tracing'");
  }
  if (!hostMatch) {
    bad('telemetry.collectorHost', collectorHost, 'must be a Service FQDN of the form <service>.<namespace>.svc.<cluster domain>', 'e.g. opentelemetry-collector.observability.svc.cluster.local');
  }
  if (!Number.isInteger(collectorPort) || collectorPort < 1 || collectorPort > 65535) {
    bad('telemetry.collectorPort', collectorPort, 'must be a port number from 1 to 65535', 'use the OTLP gRPC port, usually 4317');
  }
  if (typeof samplingPercentage !== 'number' || !(samplingPercentage >= 0 && samplingPercentage <= 100)) {
    bad('telemetry.samplingPercentage', samplingPercentage, 'must be a percentage from 0 to 100', 'e.g. 1 for one request in a hundred');
  }
  if (tracingProvider === 'envoy' || tracingProvider === 'prometheus' || tracingProvider === 'stackdriver') {
    bad('telemetry.tracingProvider', tracingProvider, 'is the name of a built-in provider, which cannot export OpenTelemetry traces', "use another name, such as 'otel-tracing'");
  }
  const extraTags = tel.customTags ?? {};
  for (const [k, v] of Object.entries(extraTags)) {
    if (!TAG_KEY.test(k)) bad(`telemetry.customTags['${k}']`, k, 'is not a valid tag name', 'use letters, digits, _ . and -, at most 63 characters');
    else if (k === 'cluster' || k === 'environment') bad(`telemetry.customTags['${k}']`, v, 'is set by the platform (the cluster and environment names)', 'remove it, or use another tag name');
    if (typeof v !== 'string' || v.length === 0 || v.length > 256) bad(`telemetry.customTags['${k}']`, v, 'must be a non-empty string of at most 256 characters', 'give the literal value of the tag');
  }
  const customTags = sortedRecord({ ...extraTags, cluster: config.clusterName, environment: config.name });

  // Flux.
  const flux = config.flux ?? {};
  const fluxNamespace = flux.namespace ?? 'flux-system';
  const sourceName = flux.sourceName ?? 'flux-system';
  const fluxDependsOn = flux.dependsOn ?? ['infrastructure'];
  const fluxPath = flux.path ?? `./dist/${config.name}`;
  const kustomizationPrefix = flux.kustomizationPrefix ?? 'mesh';
  const fluxInterval = flux.interval ?? '10m';
  if (!isDnsLabel(fluxNamespace)) bad('flux.namespace', fluxNamespace, 'is not a valid namespace name', "use the namespace Flux runs in, usually 'flux-system'");
  if (!isDnsSubdomain(sourceName)) bad('flux.sourceName', sourceName, 'is not a valid object name', "use the name of the GitRepository of this repository, usually 'flux-system'");
  if (!Array.isArray(fluxDependsOn)) {
    bad('flux.dependsOn', fluxDependsOn, 'must be a list of Kustomization names', "e.g. ['infrastructure'], or [] when nothing must come first");
  } else {
    fluxDependsOn.forEach((d, i) => { if (!isDnsSubdomain(d)) bad(`flux.dependsOn[${i}]`, d, 'is not a valid Kustomization name', 'use the name of a Flux Kustomization in the same namespace'); });
  }
  if (typeof fluxPath !== 'string' || !REPO_PATH.test(fluxPath) || fluxPath.split('/').includes('..')) {
    bad('flux.path', fluxPath, 'must be a path inside the repository starting with ./', `e.g. ./dist/${config.name}`);
  } else {
    // Synth writes this environment to dist/<name>/ only: any other folder of dist/ holds another
    // environment's manifests (or the Flux Kustomizations), which this cluster would then apply.
    const segments = fluxPath.split('/').filter(seg => seg !== '' && seg !== '.');
    if (segments[0] === 'dist' && !(segments.length === 2 && segments[1] === config.name)) {
      const other = segments[1] === undefined ? 'the whole dist/ folder' : segments[1] === 'flux' ? 'the Flux Kustomizations of every environment (dist/flux/)' : `the folder of environment '${segments[1]}'${segments.length > 2 ? ' (or a part of it)' : ''}`;
      bad('flux.path', fluxPath, `points at ${other}, not at dist/${config.name}/ where this environment is written: the cluster would apply other manifests`, `remove flux.path (default ./dist/${config.name}), or set it to ./dist/${config.name}`);
    }
  }
  if (!isDnsLabel(kustomizationPrefix, 40)) bad('flux.kustomizationPrefix', kustomizationPrefix, 'is not a DNS label of at most 40 characters', "use a short name such as 'mesh'");
  if (typeof fluxInterval !== 'string' || !GO_DURATION.test(fluxInterval)) bad('flux.interval', fluxInterval, 'is not a duration', "use a Go duration such as '10m' or '1h'");

  // Data at rest.
  const storage = config.encryptedStorage;
  const storageName = storage?.name ?? 'gp3-encrypted';
  if (storage) {
    const m = typeof storage.kmsKeyArn === 'string' ? KMS_KEY_ARN.exec(storage.kmsKeyArn) : null;
    if (!m) {
      bad('encryptedStorage.kmsKeyArn', storage.kmsKeyArn, 'is not a KMS key ARN', 'use arn:aws:kms:<region>:<12-digit account>:key/<key id> (a key ARN, not an alias)');
    } else if (regionOk && m[2] !== config.awsRegion) {
      bad('encryptedStorage.kmsKeyArn', storage.kmsKeyArn, `is in region ${m[2]} but the cluster is in ${config.awsRegion}`, `use a key in ${config.awsRegion} (EBS volumes use a key of their own region)`);
    } else if (regionOk && m[1] !== partitionOf(config.awsRegion)) {
      bad('encryptedStorage.kmsKeyArn', storage.kmsKeyArn, `has partition ${m[1]} but region ${config.awsRegion} is in ${partitionOf(config.awsRegion)}`, `use an arn:${partitionOf(config.awsRegion)}:kms ARN`);
    }
    if (!isDnsSubdomain(storageName)) bad('encryptedStorage.name', storageName, 'is not a valid StorageClass name', "use lowercase letters, digits, - and ., e.g. 'gp3-encrypted'");
  }

  // Availability of istiod, the ingress gateway and waypoints.
  const avail = config.availability ?? {};
  const highlyAvailable = avail.highlyAvailable ?? true;
  const metricsServer = avail.metricsServer ?? false;
  const replicas = avail.replicas ?? (highlyAvailable ? 2 : 1);
  if (typeof highlyAvailable !== 'boolean') bad('availability.highlyAvailable', highlyAvailable, 'must be true or false', 'remove it (highly available), or set false in a lab');
  if (typeof metricsServer !== 'boolean') bad('availability.metricsServer', metricsServer, 'must be true or false', 'set true only if metrics-server runs in the cluster');
  if (!Number.isInteger(replicas) || replicas < 1) {
    bad('availability.replicas', replicas, 'must be an integer of at least 1', 'use 2 or more (1 only with highlyAvailable: false)');
  } else if (highlyAvailable === true && replicas < 2) {
    bad('availability.replicas', replicas, 'is below 2 while highlyAvailable is true: one pod is an outage when its node drains', 'use 2 or more, or set availability.highlyAvailable: false');
  }
  if (avail.maxReplicas !== undefined && metricsServer !== true) {
    bad('availability.maxReplicas', avail.maxReplicas, 'is set but availability.metricsServer is not true: no HPA is emitted, so nothing reads it', 'remove it, or set metricsServer: true if metrics-server runs');
  }
  const maxReplicas = avail.maxReplicas ?? Math.max(5, Number.isInteger(replicas) ? replicas : 0);
  if (metricsServer === true && (!Number.isInteger(maxReplicas) || maxReplicas < replicas)) {
    bad('availability.maxReplicas', maxReplicas, `must be an integer of at least availability.replicas (${replicas})`, 'raise it, or lower availability.replicas');
  }

  // App-team namespaces and their migration state.
  const namespaces: Record<string, ResolvedNamespaceSettings> = {};
  for (const [ns, settings] of Object.entries(config.namespaces ?? {}).sort(([a], [b]) => byCodePoint(a, b))) {
    if (!isDnsLabel(ns)) bad(`namespaces['${ns}']`, ns, 'is not a valid namespace name', 'use a DNS label');
    if ([rootNamespace, gwNamespace, 'kube-system', 'kube-public', 'kube-node-lease', 'default'].includes(ns)) {
      bad(`namespaces['${ns}']`, ns, 'is a system namespace, not an app-team namespace', 'give the team its own namespace');
    }
    const mode = settings?.mtlsMode ?? mtlsMode;
    if (!isEnumValue(MtlsMode, mode)) {
      bad(`namespaces['${ns}'].mtlsMode`, mode, `must be one of ${Object.values(MtlsMode).join(', ')}`, 'use MtlsMode.STRICT, or MtlsMode.PERMISSIVE while the namespace migrates');
    }
    if (settings?.dataplane !== undefined && !isEnumValue(DataplaneMode, settings.dataplane)) {
      bad(`namespaces['${ns}'].dataplane`, settings.dataplane, `must be one of ${Object.values(DataplaneMode).join(', ')}`, 'use DataplaneMode.AMBIENT, SIDECAR or OUT_OF_MESH');
    }
    for (const reason of ['aheadOfPreviousBecause', 'strictExemptionBecause', 'unsafeTransitionBecause'] as const) {
      const r = settings?.[reason];
      if (r !== undefined && (typeof r !== 'string' || r.trim().length < 10)) bad(`namespaces['${ns}'].${reason}`, r, 'must give a reason of at least 10 characters', 'say why, e.g. the incident or ticket');
    }
    const out = settings?.dataplane === DataplaneMode.OUT_OF_MESH;
    if (out && settings?.mtlsMode === MtlsMode.STRICT) {
      bad(`namespaces['${ns}'].mtlsMode`, 'STRICT', 'is set on a namespace out of the mesh, where nothing enforces it', 'enrol the namespace first with PERMISSIVE, then set STRICT');
    }
    // Gate: mesh-wide STRICT rejects plaintext from every out-of-mesh client.
    if (out && mtlsMode === MtlsMode.STRICT && !settings?.strictExemptionBecause) {
      bad(`namespaces['${ns}'].dataplane`, settings?.dataplane, 'is out of the mesh while the mesh-wide mode is STRICT: its pods can no longer call meshed Services', "enrol it (PERMISSIVE first), set istio.mtlsMode to PERMISSIVE (rollback level 1), or give strictExemptionBecause if it calls nothing in the mesh");
    }
    namespaces[ns] = { ...settings, mtlsMode: mode };
  }
  // Retired namespaces: the reason lets the retirement gate pass (src/migration/gates.ts).
  const retiredNamespaces: Record<string, string> = {};
  for (const [ns, reason] of Object.entries(config.retiredNamespaces ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!isDnsLabel(ns)) bad(`retiredNamespaces['${ns}']`, ns, 'is not a valid namespace name', 'use the name of the namespace as dist/<env>/ holds it');
    if (typeof reason !== 'string' || reason.trim().length < 10) {
      bad(`retiredNamespaces['${ns}']`, reason, 'must give a reason of at least 10 characters', "say why and that the workloads are drained, e.g. 'INC-42: moved to cluster B; workloads drained'");
    }
    if (config.namespaces?.[ns] !== undefined) {
      bad(`retiredNamespaces['${ns}']`, reason, 'names a namespace that namespaces still enables', `remove namespaces['${ns}'] to retire it, or remove retiredNamespaces['${ns}'] to keep it`);
    }
    retiredNamespaces[ns] = typeof reason === 'string' ? reason.trim() : reason;
  }

  // Cluster facts.
  const ipFamily = config.cluster?.ipFamily ?? IpFamily.IPV4;
  if (!isEnumValue(IpFamily, ipFamily)) bad('cluster.ipFamily', ipFamily, `must be one of ${Object.values(IpFamily).join(', ')}`, "use IpFamily.IPV4 or IpFamily.IPV6, as the cluster was created (aws eks describe-cluster: kubernetesNetworkConfig.ipFamily)");

  // Prometheus.
  const monitoring = config.monitoring;
  if (monitoring !== undefined) {
    if (!isDnsLabel(monitoring?.namespace)) bad('monitoring.namespace', monitoring?.namespace, 'is not a valid namespace name', 'give the namespace of the Prometheus pods, e.g. monitoring');
    if (monitoring?.podLabels !== undefined) {
      if (Object.keys(monitoring.podLabels).length === 0) bad('monitoring.podLabels', monitoring.podLabels, 'is empty', "remove it to admit every pod of the namespace, or give the Prometheus pods' labels");
      for (const [k, v] of Object.entries(monitoring.podLabels)) {
        if (!isLabelKey(k)) bad(`monitoring.podLabels['${k}']`, k, 'is not a valid label key', 'use a Kubernetes label key');
        if (!isLabelValue(v)) bad(`monitoring.podLabels['${k}']`, v, 'is not a valid label value', 'use a Kubernetes label value');
      }
    }
  }

  if (istio.mtlsAheadOfPreviousBecause !== undefined && istio.mtlsAheadOfPreviousBecause.trim().length < 10) {
    bad('istio.mtlsAheadOfPreviousBecause', istio.mtlsAheadOfPreviousBecause, 'must give a reason of at least 10 characters', 'say why, e.g. the incident or ticket');
  }

  if (problems.length > 0) return { problems };
  return {
    problems,
    env: {
      name: config.name,
      clusterName: config.clusterName,
      awsRegion: config.awsRegion,
      // The user's order: the first domain is the primary one (route hosts are built from it).
      domains: [...domains],
      primaryDomain: domains[0],
      tags,
      alb: {
        scheme: alb.scheme,
        certificateArns: [...arns],
        sslPolicy,
        groupName: alb.groupName,
        groupOrder: alb.groupOrder,
        subnets: alb.subnets ? [...alb.subnets] : undefined,
        wafAclArn: alb.wafAclArn,
        loadBalancerAttributes: sortedRecord(lbAttributes),
        ingressName,
        sourceCidrs: [...new Set(sourceCidrs)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
      },
      istio: {
        revision,
        injectionStyle,
        mtlsMode,
        trustDomain,
        rootNamespace,
        installedRevisions: [...revisions].sort(byCodePoint),
        version: ISTIO_VERSION,
        hub,
        tag,
        chartRepository,
        mtlsAheadOfPreviousBecause: istio.mtlsAheadOfPreviousBecause,
      },
      ingressGateway: {
        namespace: gwNamespace,
        serviceName,
        serviceAccount,
        selectorLabels,
        gatewayName,
        tlsSecretName,
        hosts: Object.keys(namespaces).length > 0 ? Object.keys(namespaces).map(ns => `${ns}/*`).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) : [`${gwNamespace}/*`],
        plainHttpServer: gw.plainHttpServer ?? false,
        principal: principalOf(trustDomain, gwNamespace, serviceAccount),
        gatewayRef: `${gwNamespace}/${gatewayName}`,
      },
      namespaces,
      retiredNamespaces,
      cluster: { ipFamily },
      ...(monitoring ? { monitoring: { namespace: monitoring.namespace, ...(monitoring.podLabels ? { podLabels: sortedRecord(monitoring.podLabels) } : {}) } } : {}),
      telemetry: {
        tracingProvider,
        collectorHost,
        collectorNamespace: hostMatch![3],
        collectorPort,
        samplingPercentage,
        accessLogging: tel.accessLogging ?? false,
        customTags,
      },
      flux: {
        namespace: fluxNamespace,
        sourceName,
        dependsOn: [...fluxDependsOn],
        path: fluxPath,
        kustomizationPrefix,
        interval: fluxInterval,
      },
      availability: {
        highlyAvailable,
        metricsServer,
        replicas: metricsServer ? { replicas, maxReplicas } : { replicas },
      },
      ...(storage ? { encryptedStorage: { kmsKeyArn: storage.kmsKeyArn, name: storageName, isDefault: storage.isDefault ?? false } } : {}),
    },
  };
}
