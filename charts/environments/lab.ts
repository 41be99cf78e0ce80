import { AlbScheme, EnvironmentConfig } from '../../src';

/** Lab: the platform team's own cluster, internal ALB, first to get every change. */
export const lab: EnvironmentConfig = {
  name: 'lab',
  clusterName: 'mesh-lab',
  awsRegion: 'eu-west-1',
  domains: ['lab.example.com'],
  alb: {
    scheme: AlbScheme.INTERNAL,
    // The ALB's subnets: the gateway pods accept connections from these only.
    sourceCidrs: ['10.10.0.0/24', '10.10.1.0/24'],
    certificateArns: ['arn:aws:acm:eu-west-1:111122223333:certificate/0b7d8e52-3c41-4a9e-9f1d-6a2b5c8e7f10'],
  },
  // A canary istiod runs beside the default one; namespaces move when istio.revision changes.
  istio: { revision: 'default', revisions: ['default', 'canary'] },
  telemetry: { accessLogging: true },
  // The platform team's own cluster: a node drain may block pod creation here.
  availability: { highlyAvailable: false },
  namespaces: {
    catalog: {},
    orders: {},
    payments: {},
  },
  tags: { CostCenter: 'platform' },
};
