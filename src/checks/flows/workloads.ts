/**
 * The workloads the engine decides the flows between; they exist only for the check and never
 * enter dist/: one Pod per identity (each declared Service's, the ingress gateway's, each caller's,
 * each app namespace's undeclared workload, the out-of-mesh client), and those Pods as objects with
 * their ServiceAccounts, the Services (with cluster IPs) and the out-of-mesh Namespace.
 */
import { ResolvedEnvironment } from '../../config/resolve-environment';
import { byCodePoint, INTRUDER, OUTSIDE_NAMESPACE, PLAINTEXT_CLIENT, ProfileView } from './intent-context';

/** A Kubernetes object as plain JSON. */
export interface FlowObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name?: string; readonly namespace?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

const POD_LABEL = 'app.kubernetes.io/name';

/** One Pod of the check. */
export interface WorkloadPod {
  readonly ns: string;
  readonly name: string;
  readonly sa: string;
  readonly labels: Record<string, string>;
  readonly ports: number[];
}

/** The Pods of an environment's workloads, by `<namespace>/<name>`, added as the flows need them. */
export class WorkloadPods {
  private readonly pods = new Map<string, WorkloadPod>();
  /** The Pod that runs as each (namespace, ServiceAccount). */
  private readonly identityPod = new Map<string, string>();
  private readonly namespaces: ReadonlySet<string>;
  /** The Pod of each declared Service, by `<namespace>/<service>`. */
  readonly servicePod = new Map<string, string>();
  readonly gatewayPod: string;
  readonly outsidePod: string;

  constructor(env: ResolvedEnvironment, profiles: readonly ProfileView[]) {
    const gw = env.ingressGateway;
    this.namespaces = new Set(profiles.map(p => p.namespace));
    this.gatewayPod = `${gw.serviceName}-flows-0`;
    for (const p of profiles) {
      for (const s of p.declared.services) {
        const ports = [...new Set(s.ports.map(pt => pt.targetPort ?? pt.port))].sort((a, b) => a - b);
        this.servicePod.set(
          `${p.namespace}/${s.name}`,
          this.add(p.namespace, `${s.name}-flows-0`, s.serviceAccount ?? 'default', { ...s.selector }, ports),
        );
      }
    }
    this.add(gw.namespace, this.gatewayPod, gw.serviceAccount, { ...gw.selectorLabels }, [443]);
    for (const p of profiles) this.add(p.namespace, `${INTRUDER}-flows-0`, INTRUDER, { [POD_LABEL]: INTRUDER }, []);
    this.outsidePod = this.add(OUTSIDE_NAMESPACE, `${PLAINTEXT_CLIENT}-flows-0`, PLAINTEXT_CLIENT, { [POD_LABEL]: PLAINTEXT_CLIENT }, []);
  }

  /** The pod of a caller identity in an environment namespace (a Service's pod when it runs as it). */
  callerPod(ns: string, sa: string): string | undefined {
    if (!this.namespaces.has(ns)) return undefined;
    return this.identityPod.get(`${ns}/${sa}`) ?? this.add(ns, `${sa}-caller-flows-0`, sa, { [POD_LABEL]: sa }, []);
  }

  /** The `<namespace>/<ServiceAccount>` a pod runs as. */
  podIdentity(key: string): string {
    return `${this.pods.get(key)!.ns}/${this.pods.get(key)!.sa}`;
  }

  /** Every pod added, in the order added. */
  all(): WorkloadPod[] {
    return [...this.pods.values()];
  }

  private add(ns: string, name: string, sa: string, labels: Record<string, string>, ports: number[]): string {
    const key = `${ns}/${name}`;
    if (!this.pods.has(key)) this.pods.set(key, { ns, name, sa, labels, ports });
    if (!this.identityPod.has(`${ns}/${sa}`)) this.identityPod.set(`${ns}/${sa}`, key);
    return key;
  }
}

/** An IPv4 address in `prefix.0.0/16`, the n-th (from 1). */
function ipIn(prefix: string, n: number): string {
  return `${prefix}.${Math.floor(n / 250)}.${(n % 250) + 1}`;
}

/** Pods, ServiceAccounts, Services with cluster IPs, and the out-of-mesh Namespace. */
export function materialize(
  profiles: readonly ProfileView[],
  pods: readonly WorkloadPod[],
  httpServices: ReadonlySet<string>,
  objects: readonly FlowObject[],
): FlowObject[] {
  const existing = new Map(
    objects.filter(o => o.kind === 'Service' && o.apiVersion === 'v1').map(o => [`${o.metadata.namespace}/${o.metadata.name}`, o]),
  );
  const out: FlowObject[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: OUTSIDE_NAMESPACE, labels: { 'kubernetes.io/metadata.name': OUTSIDE_NAMESPACE } } },
  ];
  const sorted = [...pods].sort((a, b) => byCodePoint(`${a.ns}/${a.name}`, `${b.ns}/${b.name}`));
  const accounts = [...new Set(sorted.map(p => `${p.ns}/${p.sa}`))].sort(byCodePoint);
  for (const a of accounts) {
    const [ns, name] = a.split('/');
    out.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: ns } });
  }
  sorted.forEach((p, i) => {
    out.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: p.name, namespace: p.ns, labels: { ...p.labels } },
      spec: {
        serviceAccountName: p.sa,
        containers: [
          {
            name: 'app',
            image: 'flows.invalid/app:0',
            ...(p.ports.length ? { ports: p.ports.map(containerPort => ({ containerPort, protocol: 'TCP' })) } : {}),
          },
        ],
      },
      status: { phase: 'Running', podIP: ipIn('10.99', i), conditions: [{ type: 'Ready', status: 'True' }] },
    });
  });
  let n = 0;
  for (const p of profiles) {
    for (const s of [...p.declared.services].sort((a, b) => byCodePoint(a.name, b.name))) {
      const scheme = httpServices.has(`${p.namespace}/${s.name}`) ? 'http' : 'tcp';
      const ip = ipIn('10.100', n++);
      const own = existing.get(`${p.namespace}/${s.name}`);
      // A Service the namespace writes itself is used as written, with a cluster IP.
      if (own) {
        out.push({ ...own, spec: { ...(own.spec as Record<string, unknown>), clusterIP: ip } });
        continue;
      }
      out.push({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: s.name, namespace: p.namespace },
        spec: {
          selector: { ...s.selector },
          clusterIP: ip,
          ports: s.ports.map(pt => ({ name: `${scheme}-${pt.port}`, port: pt.port, targetPort: pt.targetPort ?? pt.port, protocol: 'TCP' })),
        },
      });
    }
  }
  return out;
}
