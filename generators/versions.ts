// The one place where versions are pinned. Renovate's regex manager reads the `// renovate:` comments.
export const versions = {
  // renovate: datasource=github-releases depName=kubernetes/kubernetes
  kubernetes: '1.35.4',
  // renovate: datasource=github-releases depName=siderolabs/talos
  talos: '1.12.6',
  flux: {
    // renovate: datasource=github-releases depName=fluxcd/flux2
    distribution: '2.9.4',
    // The controller versions that Flux distribution ships.
    sourceController: '1.9.4',
    kustomizeController: '1.9.4',
    helmController: '1.6.3',
    notificationController: '1.9.3',
  },
} as const;
