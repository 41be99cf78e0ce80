import { describe, expect, it } from 'vitest';
import { EnvironmentConfig, resolveEnvironment } from '../../src';
import { ENVIRONMENTS } from '../fixtures/platform';
import { baseConfig } from '../util';

const resolve = (availability: EnvironmentConfig['availability']) => resolveEnvironment(baseConfig({ availability }));

describe('availability config', () => {
  it('is highly available by default: two fixed replicas, no HPA', () => {
    expect(resolve(undefined).env!.availability).toEqual({ highlyAvailable: true, metricsServer: false, replicas: { replicas: 2 } });
  });

  it('lab may run single replicas', () => {
    expect(resolve({ highlyAvailable: false }).env!.availability.replicas).toEqual({ replicas: 1 });
    const lab = resolveEnvironment(ENVIRONMENTS.find(e => e.name === 'lab')!).env!;
    expect(lab.availability.replicas.replicas).toBe(1);
  });

  it('prod and preprod run at least two replicas', () => {
    for (const name of ['preprod', 'prod']) {
      const env = resolveEnvironment(ENVIRONMENTS.find(e => e.name === name)!).env!;
      expect(env.availability.highlyAvailable).toBe(true);
      expect(env.availability.replicas.replicas).toBeGreaterThanOrEqual(2);
    }
  });

  it('gives an HPA maximum only when metrics-server runs', () => {
    expect(resolve({ metricsServer: true }).env!.availability.replicas).toEqual({ replicas: 2, maxReplicas: 5 });
    expect(resolve({ metricsServer: true, replicas: 3, maxReplicas: 9 }).env!.availability.replicas).toEqual({ replicas: 3, maxReplicas: 9 });
  });

  it('refuses one replica while highly available', () => {
    expect(resolve({ replicas: 1 }).problems).toEqual([
      expect.objectContaining({ field: 'availability.replicas', value: 1, message: expect.stringMatching(/below 2 while highlyAvailable/) }),
    ]);
  });

  it('refuses a replica count that is not a positive integer', () => {
    for (const replicas of [0, 2.5, -1]) {
      expect(resolve({ highlyAvailable: false, replicas }).problems.map(p => p.field)).toEqual(['availability.replicas']);
    }
  });

  it('refuses maxReplicas without metrics-server (nothing would read it) and below replicas', () => {
    expect(resolve({ maxReplicas: 4 }).problems.map(p => [p.field, p.message])).toEqual([
      ['availability.maxReplicas', 'is set but availability.metricsServer is not true: no HPA is emitted, so nothing reads it'],
    ]);
    expect(resolve({ metricsServer: true, replicas: 4, maxReplicas: 3 }).problems.map(p => p.field)).toEqual(['availability.maxReplicas']);
  });

  it('refuses a non-boolean switch', () => {
    expect(resolve({ highlyAvailable: 'no' as unknown as boolean }).problems.map(p => p.field)).toContain('availability.highlyAvailable');
  });
});
