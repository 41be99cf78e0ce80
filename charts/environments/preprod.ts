import { AlbScheme, DataplaneMode, EnvironmentConfig, MtlsMode } from '../../src';

/** Pre-production: a copy of prod's shape, in prod's region, with its own account. */
export const preprod: EnvironmentConfig = {
  name: 'preprod',
  clusterName: 'mesh-preprod',
  awsRegion: 'eu-central-1',
  domains: ['preprod.example.com'],
  alb: {
    scheme: AlbScheme.INTERNET_FACING,
    // The ALB's subnets: the gateway pods accept connections from these only.
    sourceCidrs: ['10.40.0.0/24', '10.40.1.0/24', '10.40.2.0/24'],
    certificateArns: ['arn:aws:acm:eu-central-1:777788889999:certificate/2d4f6a8c-0e1b-4c3d-9f5a-7b9d1e3f5a70'],
    sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09',
    subnets: ['subnet-0a1b2c3d4e5f60718', 'subnet-0b2c3d4e5f6071829', 'subnet-0c3d4e5f607182930'],
    wafAclArn: 'arn:aws:wafv2:eu-central-1:777788889999:regional/webacl/mesh-preprod/6b8d0f2a-4c6e-4a1b-9d3f-5e7a9c1b3d5f',
    loadBalancerAttributes: { 'idle_timeout.timeout_seconds': '60' },
  },
  istio: { hub: '777788889999.dkr.ecr.eu-central-1.amazonaws.com/istio' },
  telemetry: { samplingPercentage: 1, customTags: { data_classification: 'internal' } },
  encryptedStorage: { kmsKeyArn: 'arn:aws:kms:eu-central-1:777788889999:key/5a7c9e1b-3d5f-4a7b-9c1d-3e5f7a9b1c3d' },
  namespaces: {
    catalog: {
      dataplane: DataplaneMode.OUT_OF_MESH,
      mtlsMode: MtlsMode.PERMISSIVE,
      strictExemptionBecause: 'catalog only serves the ingress gateway and calls nothing in the mesh (PLAT-101)',
    },
    payments: {},
  },
  tags: { CostCenter: 'platform', DataClassification: 'internal' },
};
