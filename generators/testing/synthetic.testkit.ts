// Synthetic estates for tests and benchmarks: a small app component and model entries built from the real estate.
import { ApiObject } from 'cdk8s';
import type { Catalogue } from '../component';
import type { Cluster, Estate } from '../model';
import type { Component, Problem } from '../component';

export interface SyntheticValues {
  replicas: number;
  image: string;
}

/** A minimal web app: Deployment + Service, enough objects to exercise the renderer. */
export function syntheticApp(name: string, fail?: (cluster: Cluster) => boolean): Component<SyntheticValues> {
  return {
    name,
    version: '1.0.0',
    keys: { replicas: true, image: true },
    validate(values): Problem[] {
      return Number.isInteger(values.replicas) && values.replicas > 0
        ? []
        : [{ field: 'replicas', message: 'must be a positive integer' }];
    },
    render(ctx, values) {
      if (fail?.(ctx.cluster)) throw new Error(`synthetic failure while rendering ${name} for ${ctx.cluster.name}`);
      const chart = ctx.chart('apps');
      const labels = { 'app.kubernetes.io/name': name };
      new ApiObject(chart, 'deployment', {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace: 'bench', labels },
        spec: {
          replicas: values.replicas,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { containers: [{ name, image: values.image, ports: [{ containerPort: 8080 }] }] },
          },
        },
      });
      new ApiObject(chart, 'service', {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace: 'bench', labels },
        spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
      });
    },
  };
}

/** The real estate with `count` synthetic apps added to every cluster, and a catalogue that knows them. */
export function syntheticEstate(
  base: Estate,
  baseCatalogue: Catalogue,
  count: number,
): { estate: Estate; catalogue: Catalogue } {
  const apps: Record<string, Component<any>> = { ...baseCatalogue.apps };
  const values: Record<string, SyntheticValues> = {};
  for (let i = 0; i < count; i++) {
    const name = `app-${String(i).padStart(4, '0')}`;
    apps[name] = syntheticApp(name);
    values[name] = { replicas: 2, image: `registry.example/${name}:1.0.${i}` };
  }
  const estate = structuredClone(base);
  for (const cluster of estate.clusters) cluster.apps = { ...cluster.apps, ...values };
  return { estate, catalogue: { platform: baseCatalogue.platform, apps } };
}
