import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ALB_DEFAULTS,
  AVAILABILITY_DEFAULTS,
  CLUSTER_DEFAULTS,
  ENCRYPTED_STORAGE_DEFAULTS,
  FLUX_DEFAULTS,
  INGRESS_GATEWAY_DEFAULTS,
  InjectionStyle,
  IpFamily,
  ISTIO_DEFAULTS,
  MtlsMode,
  resolveEnvironment,
  TELEMETRY_DEFAULTS,
} from '../../src';
import { baseConfig, ROOT } from '../util';

const SOURCE = fs.readFileSync(path.join(ROOT, 'src/config/environment-config.ts'), 'utf8');
const ENUMS: Record<string, Record<string, string>> = { InjectionStyle, IpFamily, MtlsMode };

/** The `@default` of each field of an interface, as written. */
function documentedDefaults(interfaceName: string): Record<string, string> {
  const start = SOURCE.indexOf(`export interface ${interfaceName} {`);
  const body = SOURCE.slice(start, SOURCE.indexOf('\n}', start));
  const out: Record<string, string> = {};
  for (const match of body.matchAll(/@default ([^\n]+)\n(?:\s*\*[^\n]*\n)*?\s*\*\/\n\s*readonly (\w+)\?/g)) {
    out[match[2]] = match[1].trim();
  }
  return out;
}

/** A documented default as a value: a literal, or `Enum.MEMBER`. */
function valueOf(documented: string): unknown {
  const member = /^(\w+)\.(\w+)$/.exec(documented);
  if (member) return ENUMS[member[1]][member[2]];
  return JSON.parse(documented.replace(/'/g, '"'));
}

describe('section defaults', () => {
  it.each([
    ['AlbConfig', ALB_DEFAULTS],
    ['IstioConfig', ISTIO_DEFAULTS],
    ['IngressGatewayConfig', INGRESS_GATEWAY_DEFAULTS],
    ['TelemetryConfig', TELEMETRY_DEFAULTS],
    ['FluxConfig', FLUX_DEFAULTS],
    ['EncryptedStorageConfig', ENCRYPTED_STORAGE_DEFAULTS],
    ['AvailabilityConfig', AVAILABILITY_DEFAULTS],
    ['ClusterConfig', CLUSTER_DEFAULTS],
  ] as const)('%s: every literal default of its DEFAULTS object is the one its @default documents', (interfaceName, defaults) => {
    const documented = documentedDefaults(interfaceName);
    const literal = Object.entries(defaults).filter(([, value]) => typeof value !== 'function');
    expect(literal.length).toBeGreaterThan(0);
    for (const [field, value] of literal) {
      expect(documented[field], `${interfaceName}.${field} documents no @default`).toBeDefined();
      // `- text` describes a default that is not a literal (such as the platform's Istio version).
      if (!documented[field].startsWith('- ')) expect(valueOf(documented[field]), `${interfaceName}.${field}`).toEqual(value);
    }
  });

  it('are what a config without the optional fields resolves to', () => {
    const { env } = resolveEnvironment(baseConfig());
    expect(env!.istio).toMatchObject({
      revision: ISTIO_DEFAULTS.revision,
      mtlsMode: ISTIO_DEFAULTS.mtlsMode,
      rootNamespace: ISTIO_DEFAULTS.rootNamespace,
    });
    expect(env!.telemetry).toMatchObject({ tracingProvider: TELEMETRY_DEFAULTS.tracingProvider, collectorPort: TELEMETRY_DEFAULTS.collectorPort });
    expect(env!.flux).toMatchObject({ interval: FLUX_DEFAULTS.interval, path: FLUX_DEFAULTS.path(env!.name) });
    expect(env!.ingressGateway.serviceAccount).toBe(INGRESS_GATEWAY_DEFAULTS.serviceAccount(env!.ingressGateway.serviceName));
  });
});
