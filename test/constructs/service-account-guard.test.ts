import { describe, expect, it } from 'vitest';
import { albGroupExpression, ServiceAccountGuard, serviceAccountGuardExpressions } from '../../src';
import { findByKind, synthConstructs, synthProblems } from '../util';

const ISTIOD = 'system:serviceaccount:istio-system:istiod';
const HELM = 'system:serviceaccount:flux-system:helm-controller';
const accounts = [
  { namespace: 'payments', name: 'waypoint', workloadCreators: [ISTIOD, 'system:serviceaccount:istio-system:istiod-canary'] },
  { namespace: 'istio-system', name: 'istio-ingressgateway', workloadCreators: [HELM] },
];

describe('ServiceAccountGuard', () => {
  it('emits a Deny-bound ValidatingAdmissionPolicy with failurePolicy Fail over pods, their controllers and ephemeral containers', () => {
    const objects = synthConstructs(scope => new ServiceAccountGuard(scope, 'Guard', { serviceAccounts: accounts }));
    const [policy] = findByKind(objects, 'ValidatingAdmissionPolicy') as any[];
    expect(findByKind(objects, 'ValidatingAdmissionPolicy')).toHaveLength(1);
    expect(policy.apiVersion).toBe('admissionregistration.k8s.io/v1');
    expect(policy.metadata.name).toBe('mesh-protected-service-accounts');
    expect(policy.spec.failurePolicy).toBe('Fail');
    expect(policy.spec.matchConstraints.resourceRules.map((r: any) => [r.apiGroups[0], r.resources, r.operations])).toEqual([
      ['', ['pods', 'pods/ephemeralcontainers', 'replicationcontrollers'], ['CREATE', 'UPDATE']],
      ['apps', ['daemonsets', 'deployments', 'replicasets', 'statefulsets'], ['CREATE', 'UPDATE']],
      ['batch', ['cronjobs', 'jobs'], ['CREATE', 'UPDATE']],
    ]);
    const [binding] = findByKind(objects, 'ValidatingAdmissionPolicyBinding') as any[];
    expect(binding.spec).toEqual({ policyName: 'mesh-protected-service-accounts', validationActions: ['Deny'] });
  });

  it('lists each protected ServiceAccount once, sorted, with its sorted workload creators', () => {
    const cel = serviceAccountGuardExpressions(accounts);
    expect(cel.variables.map(v => v.name)).toEqual(['owners', 'podSpec', 'serviceAccount', 'key', 'allowed']);
    expect(cel.variables[0].expression).toBe(
      `{'istio-system/istio-ingressgateway': ['${HELM}'], 'payments/waypoint': ['${ISTIOD}', 'system:serviceaccount:istio-system:istiod-canary']}`,
    );
    // pods only from the ReplicaSet controller, ReplicaSets only from the Deployment controller
    expect(cel.variables[4].expression).toMatch(
      /^request\.kind\.kind == 'Pod' \? \[[^\]]*'system:serviceaccount:kube-system:replicaset-controller'\] : \(request\.kind\.kind == 'ReplicaSet' \? \[[^\]]*'system:serviceaccount:kube-system:deployment-controller'\]/,
    );
    // the deprecated serviceAccount field and the default ServiceAccount are both resolved
    expect(cel.variables[2].expression).toContain('variables.podSpec.serviceAccount :');
    expect(cel.validation).toBe(
      "!(variables.key in variables.owners) || request.userInfo.username in variables.allowed || (request.operation == 'UPDATE' && object.spec == oldObject.spec)",
    );
  });

  it('adds a policy that keeps the ALB IngressGroup to the gateway namespace only when a group is given', () => {
    const objects = synthConstructs(
      scope => new ServiceAccountGuard(scope, 'Guard', { serviceAccounts: accounts, albGroup: { name: 'mesh-public', namespace: 'istio-system' } }),
    );
    const group = (findByKind(objects, 'ValidatingAdmissionPolicy') as any[]).find(
      p => p.metadata.name === 'mesh-protected-service-accounts-alb-group',
    );
    expect(group.spec.matchConstraints.resourceRules[0].resources).toEqual(['ingresses']);
    expect(group.spec.validations[0].expression).toBe(albGroupExpression({ name: 'mesh-public', namespace: 'istio-system' }));
    expect(group.spec.validations[0].expression).toContain("object.metadata.annotations['alb.ingress.kubernetes.io/group.name'] != 'mesh-public'");
    expect(findByKind(objects, 'ValidatingAdmissionPolicyBinding')).toHaveLength(2);
  });

  it("refuses to protect a namespace's default ServiceAccount and a ServiceAccount without a creator", () => {
    const problems = synthProblems(() =>
      synthConstructs(
        scope => new ServiceAccountGuard(scope, 'Guard', { serviceAccounts: [{ namespace: 'payments', name: 'default', workloadCreators: [] }] }),
      ),
    );
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain("'serviceAccounts[0].name' is the namespace's default ServiceAccount");
    expect(problems[1]).toContain("'serviceAccounts[0].workloadCreators' must name who creates the workload");
  });
});
