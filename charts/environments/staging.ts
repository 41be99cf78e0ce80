import { AlbScheme, DataplaneMode, EnvironmentConfig, MtlsMode } from '../../src';

/** Staging: internet-facing like prod, on its own account and domain. */
export const staging: EnvironmentConfig = {
  name: 'staging',
  clusterName: 'mesh-staging',
  awsRegion: 'eu-west-1',
  domains: ['staging.example.com'],
  alb: {
    scheme: AlbScheme.INTERNET_FACING,
    // The ALB's subnets: the gateway pods accept connections from these only.
    sourceCidrs: ['10.30.0.0/24', '10.30.1.0/24'],
    certificateArns: ['arn:aws:acm:eu-west-1:444455556666:certificate/9e2a7c14-5b83-4d0f-a6e1-c37b8d2f5a96'],
    sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09',
    wafAclArn: 'arn:aws:wafv2:eu-west-1:444455556666:regional/webacl/mesh-staging/1f3c5e7a-9b2d-4f6e-8a0c-3e5d7b9f1a2c',
  },
  telemetry: { samplingPercentage: 5 },
  namespaces: {
    catalog: { dataplane: DataplaneMode.SIDECAR, mtlsMode: MtlsMode.PERMISSIVE },
    orders: { mtlsMode: MtlsMode.PERMISSIVE },
    payments: {},
  },
  tags: { CostCenter: 'platform' },
};
