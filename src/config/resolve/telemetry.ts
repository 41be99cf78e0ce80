/** The `telemetry` section: the OpenTelemetry tracing provider, sampling, span tags and access logs. */
import { EnvironmentConfig } from '../environment-config';
import { BUILT_IN_TELEMETRY_PROVIDERS } from '../istio-version';
import { ResolvedEnvironment } from './types';
import {
  collector,
  COLLECTOR_HOST,
  isPercentage,
  isPort,
  NOT_A_PERCENTAGE,
  NOT_A_PORT,
  PROVIDER_NAME,
  Resolved,
  sortedRecord,
  SPAN_TAG_KEY,
} from './validators';

/** Defaults of the `telemetry` section. */
export const TELEMETRY_DEFAULTS = {
  tracingProvider: 'otel-tracing',
  collectorHost: 'opentelemetry-collector.observability.svc.cluster.local',
  collectorPort: 4317,
  samplingPercentage: 1,
  accessLogging: false,
} as const;

/** Span tags the platform sets itself. */
const PLATFORM_SPAN_TAGS = ['cluster', 'environment'];

/** What the `telemetry` section needs from the rest of the config. */
export interface TelemetryContext {
  readonly name: string;
  readonly clusterName: string;
}

/** Check the `telemetry` section and apply its defaults. */
export function resolveTelemetry(raw: EnvironmentConfig['telemetry'], context: TelemetryContext): Resolved<ResolvedEnvironment['telemetry']> {
  const { problems, bad } = collector();
  const tel = raw ?? {};
  const tracingProvider = tel.tracingProvider ?? TELEMETRY_DEFAULTS.tracingProvider;
  const collectorHost = tel.collectorHost ?? TELEMETRY_DEFAULTS.collectorHost;
  const collectorPort = tel.collectorPort ?? TELEMETRY_DEFAULTS.collectorPort;
  const samplingPercentage = tel.samplingPercentage ?? TELEMETRY_DEFAULTS.samplingPercentage;
  const hostMatch = typeof collectorHost === 'string' ? COLLECTOR_HOST.exec(collectorHost) : null;
  if (typeof tracingProvider !== 'string' || !PROVIDER_NAME.test(tracingProvider)) {
    bad('telemetry.tracingProvider', tracingProvider, 'is not a valid provider name', "use a name such as 'otel-tracing'");
  }
  if (!hostMatch) {
    bad(
      'telemetry.collectorHost',
      collectorHost,
      'must be a Service FQDN of the form <service>.<namespace>.svc.<cluster domain>',
      'e.g. opentelemetry-collector.observability.svc.cluster.local',
    );
  }
  if (!isPort(collectorPort)) {
    bad('telemetry.collectorPort', collectorPort, NOT_A_PORT, 'use the OTLP gRPC port, usually 4317');
  }
  if (!isPercentage(samplingPercentage)) {
    bad('telemetry.samplingPercentage', samplingPercentage, NOT_A_PERCENTAGE, 'e.g. 1 for one request in a hundred');
  }
  if (BUILT_IN_TELEMETRY_PROVIDERS.includes(tracingProvider)) {
    bad(
      'telemetry.tracingProvider',
      tracingProvider,
      'is the name of a built-in provider, which cannot export OpenTelemetry traces',
      "use another name, such as 'otel-tracing'",
    );
  }
  const extraTags = tel.customTags ?? {};
  for (const [key, value] of Object.entries(extraTags)) {
    const field = `telemetry.customTags['${key}']`;
    if (!SPAN_TAG_KEY.test(key)) bad(field, key, 'is not a valid tag name', 'use letters, digits, _ . and -, at most 63 characters');
    else if (PLATFORM_SPAN_TAGS.includes(key))
      bad(field, value, 'is set by the platform (the cluster and environment names)', 'remove it, or use another tag name');
    if (typeof value !== 'string' || value.length === 0 || value.length > 256)
      bad(field, value, 'must be a non-empty string of at most 256 characters', 'give the literal value of the tag');
  }

  return {
    problems,
    value: {
      tracingProvider,
      collectorHost,
      collectorNamespace: hostMatch?.[3] ?? '',
      collectorPort,
      samplingPercentage,
      accessLogging: tel.accessLogging ?? TELEMETRY_DEFAULTS.accessLogging,
      customTags: sortedRecord({ ...extraTags, cluster: context.clusterName, environment: context.name }),
    },
  };
}
