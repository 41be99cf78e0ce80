import { MeshRule, Severity } from './types';
import { albIngresses, annotationsOf, describe, ingressBackendRefs } from './util';

const PREFIX = 'alb.ingress.kubernetes.io/actions.';

export const albActionUnused: MeshRule = {
  id: 'alb-action-unused',
  severity: Severity.WARNING,
  title: 'every alb.ingress.kubernetes.io/actions.<name> annotation is used by a backend',
  why: 'the controller builds an annotation action only for a backend with service.name <name> and port.name use-annotation, so an action no path names does nothing: an ssl-redirect action left unused leaves HTTP unredirected (aws-load-balancer-controller pkg/ingress/enhanced_backend_builder.go, magicServicePortUseAnnotation)',
  fix: "add a path whose backend is service.name <name>, port.name use-annotation (first, for a redirect), or set alb.ingress.kubernetes.io/ssl-redirect: '443' instead, or remove the annotation",
  check(ctx) {
    return albIngresses(ctx).flatMap(ing => {
      const used = new Set(
        ingressBackendRefs(ing)
          .filter(b => b.action)
          .map(b => b.name),
      );
      return Object.keys(annotationsOf(ing))
        .filter(k => k.startsWith(PREFIX))
        .sort()
        .map(k => k.slice(PREFIX.length))
        .filter(name => !used.has(name))
        .map(name => ({
          object: ing,
          message: `${describe(ing)} defines action ${name}, which no backend uses (service.name ${name}, port.name use-annotation)`,
        }));
    });
  },
};
