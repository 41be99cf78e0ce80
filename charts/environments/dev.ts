import { AlbScheme, EnvironmentConfig, MtlsMode } from '../../src';

/** Development: internal ALB reached over the corporate network. */
export const dev: EnvironmentConfig = {
  name: 'dev',
  clusterName: 'mesh-dev',
  awsRegion: 'eu-west-1',
  domains: ['dev.example.com'],
  alb: {
    scheme: AlbScheme.INTERNAL,
    // The ALB's subnets: the gateway pods accept connections from these only.
    sourceCidrs: ['10.20.0.0/24', '10.20.1.0/24'],
    certificateArns: ['arn:aws:acm:eu-west-1:111122223333:certificate/4c1f0a9b-8d27-4e63-b5a0-2f9e7d3c6b41'],
  },
  telemetry: { samplingPercentage: 10, accessLogging: true },
  namespaces: {
    catalog: { mtlsMode: MtlsMode.PERMISSIVE },
    orders: {},
    payments: {},
  },
  tags: { CostCenter: 'platform' },
};
