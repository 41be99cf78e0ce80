import { AlbScheme, EnvironmentConfig } from '../../src';

/** Production: internet-facing, WAF, pinned subnets, deletion protection, two domains. */
export const prod: EnvironmentConfig = {
  name: 'prod',
  clusterName: 'mesh-prod',
  awsRegion: 'eu-central-1',
  domains: ['example.com', 'api.example.com'],
  alb: {
    scheme: AlbScheme.INTERNET_FACING,
    // The ALB's subnets: the gateway pods accept connections from these only.
    sourceCidrs: ['10.50.0.0/24', '10.50.1.0/24', '10.50.2.0/24'],
    certificateArns: [
      'arn:aws:acm:eu-central-1:999900001111:certificate/8f0a2c4e-6b8d-4f1a-a3c5-e7f9b1d3f5a7',
      'arn:aws:acm:eu-central-1:999900001111:certificate/1a3c5e7f-9b1d-4e3f-b5a7-c9e1f3a5b7d9',
    ],
    sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09',
    groupName: 'mesh-prod-public',
    groupOrder: 10,
    subnets: ['subnet-0d4e5f60718293a4b', 'subnet-0e5f60718293a4b5c', 'subnet-0f60718293a4b5c6d'],
    wafAclArn: 'arn:aws:wafv2:eu-central-1:999900001111:regional/webacl/mesh-prod/3e5a7c9e-1b3d-4f5a-8c7e-9a1b3d5f7e9b',
    loadBalancerAttributes: {
      'deletion_protection.enabled': 'true',
      'idle_timeout.timeout_seconds': '60',
    },
  },
  istio: { hub: '999900001111.dkr.ecr.eu-central-1.amazonaws.com/istio' },
  telemetry: { samplingPercentage: 1, customTags: { data_classification: 'confidential' } },
  encryptedStorage: { kmsKeyArn: 'arn:aws:kms:eu-central-1:999900001111:key/0c2e4a6b-8d0f-4b2d-a4c6-e8a0c2e4b6d8', isDefault: true },
  namespaces: { payments: {} },
  tags: { CostCenter: 'platform', DataClassification: 'confidential' },
};
