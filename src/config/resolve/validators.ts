/**
 * Validators shared by the section resolvers of the environment config (and by the constructs
 * that check the same values): one pattern and one message per kind of value.
 */
import { isDnsLabel } from '../../core/names';
import { AlbScheme } from '../environment-config';
import { Problem } from '../../core/problem';
import { byCodePoint } from '../../core/sort';

/** Records one problem. */
export type Report = (field: string, value: unknown, message: string, fix: string) => void;

/** A problem list and the function that appends to it. */
export function collector(): { readonly problems: Problem[]; readonly bad: Report } {
  const problems: Problem[] = [];
  return {
    problems,
    bad: (field, value, message, fix) => {
      problems.push({ field, value, message, fix });
    },
  };
}

/** What a section resolver returns: the section with its defaults applied, and its problems. */
export interface Resolved<T> {
  /** Meaningful only when `problems` is empty. */
  readonly value: T;
  readonly problems: readonly Problem[];
}

export const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$/;
export const ACM_ARN =
  /^arn:(aws|aws-cn|aws-us-gov):acm:([a-z0-9-]+):(\d{12}):certificate\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const WAF_ARN =
  /^arn:(aws|aws-cn|aws-us-gov):wafv2:([a-z0-9-]+):(\d{12}):(regional|global)\/webacl\/[A-Za-z0-9_-]{1,128}\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const KMS_KEY_ARN =
  /^arn:(aws|aws-cn|aws-us-gov):kms:([a-z0-9-]+):(\d{12}):key\/(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
export const SUBNET_ID = /^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/;
export const EKS_CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;
export const GROUP_NAME = /^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$/;
export const AWS_TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/+\-@]*$/u;
export const LB_ATTRIBUTE_KEY = /^[a-z0-9][a-z0-9._]*$/;
export const LB_ATTRIBUTE_VALUE = /^[A-Za-z0-9._\-/]+$/;
export const COLLECTOR_HOST = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const PROVIDER_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
export const IMAGE_HUB = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:\d+)?(\/[a-z0-9]([-a-z0-9._]*[a-z0-9])?)*$/;
export const TAG_SUFFIX = /^[A-Za-z0-9_.-]{0,100}$/;
export const GO_DURATION = /^(\d+(ms|s|m|h))+$/;
export const SPAN_TAG_KEY = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$/;
export const REPO_PATH = /^\.\/[A-Za-z0-9_./-]*$/;
export const CHART_REPOSITORY = /^(https|oci):\/\/[^\s/]+(\/[^\s]*)?$/;
const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** The message of a namespace name that is not a DNS label. */
export const NOT_A_NAMESPACE = 'is not a valid namespace name';
/** The message of a port outside 1-65535. */
export const NOT_A_PORT = 'must be a port number from 1 to 65535';
/** The message of a percentage outside 0-100. */
export const NOT_A_PERCENTAGE = 'must be a percentage from 0 to 100';
/** The message of a KMS key ARN that is not one (config `encryptedStorage` and {@link EncryptedStorageClass}). */
export const NOT_A_KMS_KEY_ARN = 'is not a KMS key ARN';
/** The message of an IngressGroup name that is not one (config `alb.groupName` and {@link AlbIngressClass}). */
export const NOT_AN_INGRESS_GROUP = 'is not a valid IngressGroup name';
/** The message of an ALB scheme that is not one (config `alb.scheme`, {@link AlbIngress} and {@link AlbIngressClass}). */
export const NOT_AN_ALB_SCHEME = `must be one of ${Object.values(AlbScheme).join(', ')}`;

/** The problem of a construct's `scheme` prop that is not an ALB scheme ({@link AlbIngress}, {@link AlbIngressClass}). */
export function albSchemeProblems(scheme: unknown): Problem[] {
  return Object.values(AlbScheme).includes(scheme as AlbScheme)
    ? []
    : [{ field: 'scheme', value: scheme, message: NOT_AN_ALB_SCHEME, fix: 'use AlbScheme.INTERNAL or AlbScheme.INTERNET_FACING' }];
}
/** The message of a repository path that is not one (config `flux.path` and {@link FluxKustomizations}). */
export const NOT_A_REPO_PATH = 'must be a path inside the repository starting with ./';
/** The message of a Flux Kustomization name that is not one (config `flux.dependsOn` and {@link FluxKustomizations}). */
export const NOT_A_KUSTOMIZATION_NAME = 'is not a valid Kustomization name';
/** The message of a Kustomization name prefix that is too long or not a DNS label. */
export const NOT_A_KUSTOMIZATION_PREFIX = 'is not a DNS label of at most 40 characters';
/** The message of a reason that is missing or too short. */
export const REASON_TOO_SHORT = 'must give a reason of at least 10 characters';
/** The message of a list of more than two istiod revisions (config and {@link IstioInstall}). */
export const TOO_MANY_REVISIONS = 'lists more than two revisions';

/** A namespace name (DNS label), with the fix the caller gives. */
export function checkNamespaceName(bad: Report, field: string, value: unknown, fix: string): void {
  if (!isDnsLabel(value)) bad(field, value, NOT_A_NAMESPACE, fix);
}

/** True for an integer port from 1 to 65535. */
export function isPort(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65535;
}

/** True for a number from 0 to 100. */
export function isPercentage(value: unknown): value is number {
  return typeof value === 'number' && value >= 0 && value <= 100;
}

/** True for a path inside the repository: starts with `./`, no `..` segment. */
export function isRepoPath(value: unknown): value is string {
  return typeof value === 'string' && REPO_PATH.test(value) && !value.split('/').includes('..');
}

/** True for a Go duration such as `10m` or `1h30m`. */
export function isGoDuration(value: unknown): value is string {
  return typeof value === 'string' && GO_DURATION.test(value);
}

/** True for a reason of at least 10 characters besides surrounding blanks. */
export function isReason(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length >= 10;
}

/** The AWS partition of a region. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/**
 * Where an ARN (groups 1 and 2 of the ARN patterns: partition and region) stands against the
 * environment's region: `region` when the regions differ, `partition` when the partitions do,
 * undefined when it fits or the environment's region is unknown (reported on its own).
 */
export function arnMismatch(match: RegExpExecArray, region: string | undefined): 'region' | 'partition' | undefined {
  if (region === undefined) return undefined;
  if (match[2] !== region) return 'region';
  if (match[1] !== partitionOf(region)) return 'partition';
  return undefined;
}

/** The message and fix of an ARN in the right region of the wrong partition. */
export function partitionProblem(match: RegExpExecArray, region: string, service: string): { readonly message: string; readonly fix: string } {
  return {
    message: `has partition ${match[1]} but region ${region} is in ${partitionOf(region)}`,
    fix: `use an arn:${partitionOf(region)}:${service} ARN`,
  };
}

/** Why an IPv4 CIDR cannot be a source of the gateway, or undefined when it is fine. */
export function ipv4CidrProblem(cidr: unknown): string | undefined {
  const match = typeof cidr === 'string' ? IPV4_CIDR.exec(cidr) : null;
  if (!match) return 'is not an IPv4 CIDR';
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some(o => o > 255) || match.slice(1, 5).some(o => o.length > 1 && o.startsWith('0')) || prefix > 32) return 'is not an IPv4 CIDR';
  if (prefix === 0) return 'admits every address, so every pod could skip the ALB';
  const address = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  const hostBits = prefix === 32 ? 0 : (address & (0xffffffff >>> prefix)) >>> 0;
  if (hostBits !== 0) return 'has host bits set';
  return undefined;
}

/** Each value listed more than once, once, in first-seen order. */
export function duplicates<T>(list: readonly T[]): T[] {
  return [...new Set(list.filter((item, i) => list.indexOf(item) !== i))];
}

export function isEnumValue<T extends Record<string, string>>(values: T, value: unknown): value is T[keyof T] {
  return Object.values(values).includes(value as string);
}

export const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A copy of a string record, sorted by key. */
export function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => byCodePoint(a, b)));
}
