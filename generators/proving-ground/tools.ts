// The programs the proving ground runs, each built from a small pinned module in generators/proving-ground/.
import type { GoTool } from '../go-tools';

const kubernetes = (cmd: string): GoTool => ({
  name: cmd,
  module: 'generators/proving-ground/kubernetes',
  pkg: `k8s.io/kubernetes/cmd/${cmd}`,
});

export const PROVING_GROUND_TOOLS = {
  pki: { name: 'pki', module: 'generators/proving-ground/pki', pkg: '.', localSource: true },
  etcd: { name: 'etcd', module: 'generators/proving-ground/etcd', pkg: '.', localSource: true },
  'kube-apiserver': kubernetes('kube-apiserver'),
  'kube-controller-manager': kubernetes('kube-controller-manager'),
  'kube-scheduler': kubernetes('kube-scheduler'),
  kubectl: kubernetes('kubectl'),
  kwok: { name: 'kwok', module: 'generators/proving-ground/kwok', pkg: 'sigs.k8s.io/kwok/cmd/kwok' },
  'source-controller': {
    name: 'source-controller',
    module: 'generators/proving-ground/source-controller',
    pkg: 'github.com/fluxcd/source-controller',
  },
  'kustomize-controller': {
    name: 'kustomize-controller',
    module: 'generators/proving-ground/kustomize-controller',
    pkg: 'github.com/fluxcd/kustomize-controller',
  },
  'notification-controller': {
    name: 'notification-controller',
    module: 'generators/proving-ground/notification-controller',
    pkg: 'github.com/fluxcd/notification-controller',
  },
} satisfies Record<string, GoTool>;

export type ProvingGroundTool = keyof typeof PROVING_GROUND_TOOLS;
