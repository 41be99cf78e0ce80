import { describe, expect, it } from 'vitest';
import { AlbScheme, EnvironmentConfig, InjectionStyle, MtlsMode, resolveEnvironment } from '../../src';
import { baseConfig } from '../util';

function problemsOf(overrides: Partial<EnvironmentConfig>) {
  return resolveEnvironment(baseConfig(overrides)).problems;
}

function fieldsOf(overrides: Partial<EnvironmentConfig>) {
  return problemsOf(overrides).map(p => p.field);
}

const CIDRS = ['10.0.0.0/24'];
const ARN = 'arn:aws:acm:eu-west-1:111122223333:certificate/0b7d8e52-3c41-4a9e-9f1d-6a2b5c8e7f10';

describe('resolveEnvironment', () => {
  it('applies the documented defaults', () => {
    // WHEN
    const { env, problems } = resolveEnvironment(baseConfig());
    // THEN
    expect(problems).toEqual([]);
    expect(env!.alb.sslPolicy).toBe('ELBSecurityPolicy-TLS13-1-2-2021-06');
    expect(env!.alb.ingressName).toBe('istio-ingress');
    expect(env!.alb.loadBalancerAttributes).toEqual({ 'routing.http.drop_invalid_header_fields.enabled': 'true' });
    expect(env!.istio).toEqual({
      revision: 'default',
      injectionStyle: InjectionStyle.REVISION_LABEL,
      mtlsMode: MtlsMode.STRICT,
      trustDomain: 'cluster.local',
      rootNamespace: 'istio-system',
      installedRevisions: ['default'],
      version: '1.30.3',
      hub: 'docker.io/istio',
      tag: '1.30.3',
      chartRepository: 'https://istio-release.storage.googleapis.com/charts',
    });
    expect(env!.telemetry.customTags).toEqual({ cluster: 'mesh-test', environment: 'test' });
    expect(env!.flux).toEqual({
      namespace: 'flux-system',
      sourceName: 'flux-system',
      dependsOn: ['infrastructure'],
      path: './dist/test',
      kustomizationPrefix: 'mesh',
      interval: '10m',
      namespacesPerFolder: 25,
    });
    expect(env!.encryptedStorage).toBeUndefined();
    expect(env!.ingressGateway.selectorLabels).toEqual({ istio: 'ingressgateway' });
    expect(env!.ingressGateway.hosts).toEqual(['istio-system/*']);
    expect(env!.alb.sourceCidrs).toEqual(['10.0.0.0/24', '10.0.1.0/24']);
    expect(env!.ingressGateway.tlsSecretName).toBe('istio-ingressgateway-tls');
    expect(env!.telemetry.collectorNamespace).toBe('observability');
    expect(env!.tags).toEqual({ Cluster: 'mesh-test', Environment: 'test' });
  });

  it('derives the ingress principal from the gateway namespace and ServiceAccount, never ztunnel', () => {
    const { env } = resolveEnvironment(
      baseConfig({ ingressGateway: { namespace: 'istio-ingress', serviceName: 'istio-ingress' }, istio: { trustDomain: 'corp.example' } }),
    );
    expect(env!.ingressGateway.principal).toBe('corp.example/ns/istio-ingress/sa/istio-ingress');
    expect(env!.ingressGateway.selectorLabels).toEqual({ istio: 'ingress' });
    expect(env!.ingressGateway.gatewayRef).toBe('istio-ingress/shared-gateway');
  });

  it('fails on a malformed certificate ARN, naming the field, the value and the fix', () => {
    const [p] = problemsOf({
      alb: { scheme: AlbScheme.INTERNAL, sourceCidrs: CIDRS, certificateArns: ['arn:aws:acm:eu-west-1:1234:certificate/nope'] },
    });
    expect(p.field).toBe('alb.certificateArns[0]');
    expect(p.value).toBe('arn:aws:acm:eu-west-1:1234:certificate/nope');
    expect(p.message).toBe('is not an ACM certificate ARN');
    expect(p.fix).toMatch(/arn:aws:acm:<region>/);
  });

  it('fails on a certificate from another region than the ALB', () => {
    const [p] = problemsOf({ alb: { scheme: AlbScheme.INTERNAL, sourceCidrs: CIDRS, certificateArns: [ARN.replace('eu-west-1', 'us-east-1')] } });
    expect(p.message).toBe('is in region us-east-1 but the ALB is in eu-west-1');
  });

  it('fails on an empty certificate list', () => {
    expect(fieldsOf({ alb: { scheme: AlbScheme.INTERNAL, sourceCidrs: CIDRS, certificateArns: [] } })).toEqual(['alb.certificateArns']);
  });

  it('keeps the domains in the order written: the first one is the primary domain, not the alphabetically first', () => {
    const { env } = resolveEnvironment(baseConfig({ domains: ['example.com', 'api.example.com'] }));
    expect(env!.domains).toEqual(['example.com', 'api.example.com']);
    expect(env!.primaryDomain).toBe('example.com');
  });

  it('fails on an empty domain list', () => {
    const [p] = problemsOf({ domains: [] });
    expect(p.field).toBe('domains');
    expect(p.message).toBe('must list at least one domain');
  });

  it('fails on a bad DNS name and on a wildcard domain', () => {
    const problems = problemsOf({ domains: ['Apps_Example.com', '*.example.com'] });
    expect(problems.map(p => [p.field, p.message])).toEqual([
      ['domains[0]', 'is not a valid DNS name'],
      ['domains[1]', 'must be a domain, not a wildcard'],
    ]);
  });

  it('fails on an unknown SSL policy, listing the known ones', () => {
    const [p] = problemsOf({
      alb: { scheme: AlbScheme.INTERNAL, sourceCidrs: CIDRS, certificateArns: [ARN], sslPolicy: 'ELBSecurityPolicy-TLS13-9-9' },
    });
    expect(p.message).toBe('is not a known ELB security policy');
    expect(p.fix).toContain('ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09');
  });

  it('fails on a known policy without TLS 1.3', () => {
    const [p] = problemsOf({
      alb: { scheme: AlbScheme.INTERNAL, sourceCidrs: CIDRS, certificateArns: [ARN], sslPolicy: 'ELBSecurityPolicy-2016-08' },
    });
    expect(p.message).toBe('offers no TLS 1.3');
  });

  it('refuses ingressGateway.hosts, which is no longer a setting', () => {
    const [p] = problemsOf({ ingressGateway: { hosts: ['*'] } as never });
    expect(p.field).toBe('ingressGateway.hosts');
    expect(p.message).toMatch(/^is no longer a setting: the gateway binds routes of the enabled namespaces only/);
  });

  it('gives the gateway one <namespace>/* host per enabled namespace, sorted', () => {
    const { env } = resolveEnvironment(baseConfig({ namespaces: { payments: {}, catalog: {} } }));
    expect(env!.ingressGateway.hosts).toEqual(['catalog/*', 'payments/*']);
  });

  it('requires alb.sourceCidrs and checks each is a canonical IPv4 CIDR narrower than /0', () => {
    const alb = { scheme: AlbScheme.INTERNAL, certificateArns: [ARN] };
    expect(problemsOf({ alb: alb as never })[0]).toMatchObject({
      field: 'alb.sourceCidrs',
      message: 'must list the CIDRs the ALB sends from (the gateway accepts no other source)',
    });
    expect(problemsOf({ alb: { ...alb, sourceCidrs: ['10.0.0.0/33'] } })[0]).toMatchObject({
      field: 'alb.sourceCidrs[0]',
      message: 'is not an IPv4 CIDR',
    });
    expect(problemsOf({ alb: { ...alb, sourceCidrs: ['10.0.0.1/24'] } })[0].message).toBe('has host bits set');
    expect(problemsOf({ alb: { ...alb, sourceCidrs: ['0.0.0.0/0'] } })[0].message).toBe('admits every address, so every pod could skip the ALB');
    expect(problemsOf({ alb: { ...alb, sourceCidrs: ['fd00::/64'] } })[0].message).toBe('is not an IPv4 CIDR');
    expect(problemsOf({ alb: { ...alb, sourceCidrs: ['10.0.0.0/24', '10.0.0.0/24'] } })[0].message).toBe('lists a CIDR twice');
    expect(problemsOf({ alb: { ...alb, sourceCidrs: ['10.0.1.0/24', '10.0.0.0/16', '192.168.1.7/32'] } })).toEqual([]);
  });

  it('fails on a regional mismatch, a global web ACL and a malformed one', () => {
    const alb = { scheme: AlbScheme.INTERNAL, sourceCidrs: CIDRS, certificateArns: [ARN] };
    const waf = 'arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/edge/1f3c5e7a-9b2d-4f6e-8a0c-3e5d7b9f1a2c';
    expect(problemsOf({ alb: { ...alb, wafAclArn: waf.replace('eu-west-1', 'eu-central-1') } })[0].message).toMatch(/^is in region eu-central-1/);
    expect(problemsOf({ alb: { ...alb, wafAclArn: waf.replace('regional', 'global') } })[0].message).toBe('is a global (CloudFront) web ACL');
    expect(problemsOf({ alb: { ...alb, wafAclArn: 'arn:aws:waf::1:webacl/x' } })[0].message).toBe('is not a WAFv2 web ACL ARN');
  });

  it('fails on subnets: fewer than two, malformed, duplicated', () => {
    const alb = { scheme: AlbScheme.INTERNAL, sourceCidrs: CIDRS, certificateArns: [ARN] };
    expect(fieldsOf({ alb: { ...alb, subnets: ['subnet-0a1b2c3d4e5f60718'] } })).toEqual(['alb.subnets']);
    expect(fieldsOf({ alb: { ...alb, subnets: ['subnet-xyz', 'subnet-0a1b2c3d4e5f60718'] } })).toEqual(['alb.subnets[0]']);
    expect(problemsOf({ alb: { ...alb, subnets: ['subnet-0a1b2c3d', 'subnet-0a1b2c3d'] } })[0].message).toBe('lists a subnet twice');
  });

  it('fails on a group order without a group and out of range', () => {
    const alb = { scheme: AlbScheme.INTERNAL, sourceCidrs: CIDRS, certificateArns: [ARN] };
    expect(problemsOf({ alb: { ...alb, groupOrder: 5 } })[0].message).toBe('is set without alb.groupName');
    expect(problemsOf({ alb: { ...alb, groupName: 'shared', groupOrder: 5000 } })[0].message).toBe('must be an integer from -1000 to 1000');
  });

  it('fails when istio-injection would select a non-default revision', () => {
    const [p] = problemsOf({ istio: { revision: '1-30', injectionStyle: InjectionStyle.INJECTION_LABEL } });
    expect(p.field).toBe('istio.injectionStyle');
    expect(p.fix).toMatch(/REVISION_LABEL/);
  });

  it('fails on DISABLE as the mesh mTLS mode', () => {
    expect(fieldsOf({ istio: { mtlsMode: 'DISABLE' as MtlsMode } })).toEqual(['istio.mtlsMode']);
  });

  it('fails on the ztunnel ServiceAccount as the gateway identity', () => {
    expect(problemsOf({ ingressGateway: { serviceAccount: 'ztunnel' } })[0].message).toMatch(/ztunnel/);
  });

  it('fails on telemetry values out of range', () => {
    expect(fieldsOf({ telemetry: { samplingPercentage: 150, collectorPort: 0, collectorHost: 'collector' } }).sort()).toEqual([
      'telemetry.collectorHost',
      'telemetry.collectorPort',
      'telemetry.samplingPercentage',
    ]);
  });

  it('fails on tags the ALB annotation cannot carry', () => {
    expect(fieldsOf({ tags: { 'aws:owner': 'x', Team: 'a,b' } }).sort()).toEqual(["tags['Team']", "tags['aws:owner']"]);
  });

  it('collects every problem of a config in one run', () => {
    // GIVEN a config with five independent mistakes
    const problems = problemsOf({
      name: 'Prod',
      awsRegion: 'europe',
      domains: [],
      alb: { scheme: 'public' as AlbScheme, sourceCidrs: CIDRS, certificateArns: ['arn:nope'] },
    });
    // THEN each is reported
    expect(problems.map(p => p.field)).toEqual(['name', 'awsRegion', 'domains', 'alb.scheme', 'alb.certificateArns[0]']);
  });

  describe('control plane, telemetry and Flux fields', () => {
    it('lists the installed revisions, sorted, and the one Istio version', () => {
      const { env } = resolveEnvironment(baseConfig({ istio: { revision: 'canary', revisions: ['default', 'canary'] } }));
      expect(env!.istio.installedRevisions).toEqual(['canary', 'default']);
      expect(env!.istio.version).toBe('1.30.3');
    });

    it('fails when the revision namespaces use is not installed', () => {
      const [p] = problemsOf({ istio: { revision: '1-31', revisions: ['default'] } });
      expect([p.field, p.message, p.fix]).toEqual([
        'istio.revision',
        'is not installed: istio.revisions lists default',
        "add '1-31' to istio.revisions, or set istio.revision to one of them",
      ]);
    });

    it('fails on more than two revisions and on duplicates', () => {
      expect(fieldsOf({ istio: { revisions: ['default', 'a', 'b'] } })).toEqual(['istio.revisions']);
      expect(fieldsOf({ istio: { revisions: ['default', 'default'] } })).toEqual(['istio.revisions']);
    });

    it('accepts a mirror tag that keeps the Istio version, and fails on another version', () => {
      expect(problemsOf({ istio: { tag: '1.30.3-mirror1' } })).toEqual([]);
      const [p] = problemsOf({ istio: { tag: '1.29.6' } });
      expect(p.field).toBe('istio.tag');
      expect(p.message).toBe("is not the platform's Istio version 1.30.3: images and charts would differ");
    });

    it('fails on a registry path with a tag and on a chart repository that is not https or oci', () => {
      expect(fieldsOf({ istio: { hub: 'docker.io/istio:1.30.3' } })).toEqual(['istio.hub']);
      expect(fieldsOf({ istio: { chartRepository: 'http://charts.example.com' } })).toEqual(['istio.chartRepository']);
    });

    it('adds cluster and environment tags and refuses to let the config replace them', () => {
      const { env } = resolveEnvironment(baseConfig({ telemetry: { customTags: { team: 'platform' } } }));
      expect(env!.telemetry.customTags).toEqual({ cluster: 'mesh-test', environment: 'test', team: 'platform' });
      expect(fieldsOf({ telemetry: { customTags: { environment: 'x' } } })).toEqual(["telemetry.customTags['environment']"]);
    });

    it('fails on a tracing provider named like a built-in one', () => {
      expect(fieldsOf({ telemetry: { tracingProvider: 'envoy' } })).toEqual(['telemetry.tracingProvider']);
    });

    it('validates the KMS key ARN of the encrypted StorageClass, including its region', () => {
      const key = 'arn:aws:kms:eu-west-1:111122223333:key/1b3d5f7a-9c1e-4a3b-8d5f-7a9c1e3b5d7f';
      expect(resolveEnvironment(baseConfig({ encryptedStorage: { kmsKeyArn: key } })).env!.encryptedStorage).toEqual({
        kmsKeyArn: key,
        name: 'gp3-encrypted',
        isDefault: false,
      });
      expect(problemsOf({ encryptedStorage: { kmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:alias/ebs' } })[0].message).toBe('is not a KMS key ARN');
      expect(problemsOf({ encryptedStorage: { kmsKeyArn: key.replace('eu-west-1', 'us-east-1') } })[0].message).toBe(
        'is in region us-east-1 but the cluster is in eu-west-1',
      );
    });

    it('fails on Flux fields that Flux would refuse', () => {
      expect(fieldsOf({ flux: { interval: 'ten minutes', path: '/abs/dist', dependsOn: ['Infra Structure'] } })).toEqual([
        'flux.dependsOn[0]',
        'flux.path',
        'flux.interval',
      ]);
    });

    it('takes flux.namespacesPerFolder from 1 to 100 and refuses anything else, naming the field, the value and the fix', () => {
      for (const ok of [1, 10, 100]) expect(problemsOf({ flux: { namespacesPerFolder: ok } })).toEqual([]);
      for (const badValue of [0, -5, 2.5, 101, Number.NaN, '25']) {
        const problems = problemsOf({ flux: { namespacesPerFolder: badValue as number } });
        expect(problems).toHaveLength(1);
        expect(problems[0]).toMatchObject({
          field: 'flux.namespacesPerFolder',
          value: badValue,
          message: 'must be an integer from 1 to 100',
          fix: 'remove it (25), or set a smaller number when the namespaces hold many objects each',
        });
      }
    });

    it('fails on the environment name flux, which dist/flux/ uses', () => {
      expect(problemsOf({ name: 'flux' })[0].message).toBe('is reserved: dist/flux/ holds the Flux Kustomizations of every environment');
    });
  });
});
