// The one place where versions are pinned. Renovate's regex manager reads the `// renovate:` comments.
export const versions = {
  // renovate: datasource=github-releases depName=kubernetes/kubernetes
  kubernetes: '1.35.4',
  // Helm, built from its Go module (generators/helm/go.mod requires the same version): `helm template` renders the
  // charts that ship in pinned Go modules (generators/charts.ts) so the gates see the pods they create.
  // renovate: datasource=go depName=helm.sh/helm/v3
  helm: '3.22.0',
  // The Pulumi CLI the pull-request preview of bootstrap/aws installs (.github/workflows/pulumi-preview.yml); its
  // releases share their version with the @pulumi/pulumi SDK in package.json.
  // renovate: datasource=github-releases depName=pulumi/pulumi
  pulumiCli: '3.248.0',
  // renovate: datasource=github-releases depName=siderolabs/talos
  talos: '1.12.6',
  // The CNI: Talos applies this release's tigera-operator.yaml at bootstrap (bootstrap/talos/machine-config.ts).
  // renovate: datasource=github-releases depName=projectcalico/calico
  calico: '3.32.2',
  // platform/metrics: metrics-server's chart (3.13.0 ships metrics-server v0.8.0) and the image tag of the approver of
  // the kubelet serving certificates that metrics-server verifies.
  // renovate: datasource=helm registryUrl=https://kubernetes-sigs.github.io/metrics-server depName=metrics-server
  metricsServerChart: '3.13.0',
  // renovate: datasource=docker depName=ghcr.io/alex1989hu/kubelet-serving-cert-approver
  kubeletServingCertApprover: '0.11.0',
  flux: {
    // renovate: datasource=github-releases depName=fluxcd/flux2
    distribution: '2.9.4',
    // The controller versions that Flux distribution ships.
    sourceController: '1.9.4',
    kustomizeController: '1.9.4',
    helmController: '1.6.3',
    notificationController: '1.9.3',
  },
  // The proving ground's programs that no cluster model pins (generators/proving-ground/<tool>/go.mod pin the same).
  proving: {
    // The etcd Talos runs (DefaultEtcdVersion in pkg/machinery/constants of the pinned Talos machinery).
    // renovate: datasource=go depName=go.etcd.io/etcd/server/v3
    etcd: '3.6.8',
    // renovate: datasource=go depName=sigs.k8s.io/kwok
    kwok: '0.8.0',
  },
  // platform/cloudnative-pg: the operator's release manifest (releases/cnpg-<version>.yaml) and its CRDs
  // (config/crd/bases) come from the Go module at this tag; the manifest's operator image has the same tag.
  // renovate: datasource=go depName=github.com/cloudnative-pg/cloudnative-pg
  cloudnativePg: '1.28.2',
  // The PostgreSQL operand: major 15, the major the tests run (Debian 12's postgresql-15), in the "system" flavour,
  // which carries barman-cloud for the in-tree WAL archive (cloudnative-pg v1.28.2, docs/src/image_catalog.md).
  // renovate: datasource=docker depName=ghcr.io/cloudnative-pg/postgresql
  postgresImage: '15.14-system-trixie',
  // The failover drill (platform/cloudnative-pg): barman-cloud, which the operand runs to archive WAL and take base
  // backups, installed from PyPI into .cache/barman-cloud with the S3 client it uses.
  // renovate: datasource=pypi depName=barman
  barman: '3.19.1',
  // renovate: datasource=pypi depName=boto3
  boto3: '1.44.8',
  // renovate: datasource=helm registryUrl=https://prometheus-community.github.io/helm-charts depName=kube-prometheus-stack
  kubePrometheusStack: '82.15.1',
  // The operator that kube-prometheus-stack 82.x ships (appVersion v0.89.0); its CRDs validate monitoring.coreos.com
  // objects.
  // renovate: datasource=github-releases depName=prometheus-operator/prometheus-operator
  prometheusOperator: '0.89.0',
  // The Prometheus and Alertmanager images that chart sets: prometheus.prometheusSpec.image.tag v3.10.0 and
  // alertmanager.alertmanagerSpec.image.tag v0.31.1 (prometheus-community/helm-charts,
  // charts/kube-prometheus-stack/values.yaml at tag kube-prometheus-stack-82.15.1). The tests run the same releases,
  // built from the Go modules that platform/monitoring/tools pins (Prometheus v3.xx.y is module tag v0.3xx.y).
  // renovate: datasource=docker depName=quay.io/prometheus/prometheus
  prometheus: '3.10.0',
  // renovate: datasource=docker depName=quay.io/prometheus/alertmanager
  alertmanager: '0.31.1',
  // The mTLS proxy in front of on-prem /federate.
  // renovate: datasource=docker depName=nginxinc/nginx-unprivileged
  nginxUnprivileged: '1.28.0-alpine',
  // The images every Dockerfile of generators/images.ts builds from: a Go builder stage, a distroless static runtime.
  // renovate: datasource=docker depName=golang
  goBuilderImage: 'golang:1.26.8-bookworm',
  // Distroless publishes no version tags; Renovate's pinDigests adds the digest.
  // renovate: datasource=docker depName=gcr.io/distroless/static-debian12
  goRuntimeImage: 'gcr.io/distroless/static-debian12:nonroot',
  // The images a Maven-built JVM image of generators/images.ts builds from (platform/streaming/job): Maven on the JDK
  // of the poms' maven.compiler.release, and distroless Java of the same major, non-root.
  // renovate: datasource=docker depName=maven
  mavenBuilderImage: 'maven:3.9.11-eclipse-temurin-17',
  // Like distroless static, no version tags; Renovate's pinDigests adds the digest.
  // renovate: datasource=docker depName=gcr.io/distroless/java17-debian12
  jvmRuntimeImage: 'gcr.io/distroless/java17-debian12:nonroot',
  // The stream job's image (platform/streaming/job), released like the task-tracker's.
  taskStream: {
    image: 'ghcr.io/acme/task-stream',
    // renovate: datasource=docker depName=ghcr.io/acme/task-stream
    tag: '1.0.0',
  },
  // The sample service (apps/task-tracker) image.
  taskTracker: {
    image: 'ghcr.io/acme/task-tracker',
    // The released tag Flux deploys: a tag `task-tracker/v<semver>` publishes the image, then a PR (or Renovate) bumps
    // this.
    // renovate: datasource=docker depName=ghcr.io/acme/task-tracker
    tag: '1.0.0',
  },
  // The OpenTelemetry Collector release that platform/log-export/collector/go.mod pins (the newest whose contrib
  // modules the Go module proxy serves with checksums); it tags the log-export image built from that module.
  // renovate: datasource=go depName=github.com/open-telemetry/opentelemetry-collector-contrib/receiver/filelogreceiver
  otelCollector: '0.128.0',
  // DuckDB from PyPI: the Parquet bench (npm run bench:parquet) and the README's analyst examples read with it.
  // renovate: datasource=pypi depName=duckdb
  duckdb: '1.5.6',
  // pyarrow from PyPI: the Parquet read-back test (platform/log-export/parquet.test.ts) reads what DuckDB wrote with
  // it.
  // renovate: datasource=pypi depName=pyarrow
  pyarrow: '26.0.1',
  // renovate: datasource=helm registryUrl=https://open-telemetry.github.io/opentelemetry-helm-charts depName=opentelemetry-collector
  otelCollectorChart: '0.127.2',
  // platform/gateway: Envoy Gateway's chart gateway-helm, published as an OCI artifact
  // (docker.io/envoyproxy/gateway-helm) with the release's version; the Go module github.com/envoyproxy/gateway at the
  // same tag holds its CRDs (charts/gateway-helm/charts/crds/crds/generated), which validate the gateway.envoyproxy.io
  // objects.
  // renovate: datasource=docker depName=docker.io/envoyproxy/gateway-helm
  envoyGateway: '1.9.1',
  // The Gateway API release that Envoy Gateway 1.9.1 bundles and installs (bundle-version v1.6.1 in
  // charts/gateway-helm/charts/crds/crds/gatewayapi-crds.yaml of github.com/envoyproxy/gateway v1.9.1, and its go.mod);
  // the module sigs.k8s.io/gateway-api at this version validates the gateway.networking.k8s.io objects.
  // renovate: datasource=go depName=sigs.k8s.io/gateway-api
  gatewayApi: '1.6.1',
  // platform/certificates: cert-manager's chart (charts.jetstack.io) and its Go module share the version; the module's
  // deploy/crds validates the cert-manager.io objects.
  // renovate: datasource=helm registryUrl=https://charts.jetstack.io depName=cert-manager
  certManager: '1.21.2',
  // The chart and the Go module go.universe.tf/metallb share the version; the module's config/crd/bases validates
  // IPAddressPool and L2Advertisement.
  // renovate: datasource=helm registryUrl=https://metallb.github.io/metallb depName=metallb
  metallb: '0.15.2',
  // The controller release for the clusters' Kubernetes minor, which Talos applies on aws clusters
  // (bootstrap/talos/cloud-controller-manager.ts; upstream's example manifests pin an older one).
  // renovate: datasource=docker depName=registry.k8s.io/provider-aws/cloud-controller-manager
  awsCloudControllerManager: '1.35.3',
  // platform/cluster-autoscaler: its minor must be the clusters' Kubernetes minor (the component checks it). No Go
  // module ships its chart (cluster-autoscaler's tags are no module versions), so the objects are rendered from the
  // chart's facts at cluster-autoscaler-chart-9.55.1 (appVersion 1.35.0) with this release's image.
  // renovate: datasource=docker depName=registry.k8s.io/autoscaling/cluster-autoscaler
  clusterAutoscaler: '1.35.2',
  // platform/node-termination-handler, in queue mode; github.com/aws/aws-node-termination-handler v1.25.1 ships chart
  // 0.27.1 (config/helm/aws-node-termination-handler), whose facts the rendered objects follow.
  // renovate: datasource=docker depName=public.ecr.aws/aws-ec2/aws-node-termination-handler
  awsNodeTerminationHandler: '1.25.1',
  // renovate: datasource=helm registryUrl=https://kubernetes-sigs.github.io/aws-ebs-csi-driver depName=aws-ebs-csi-driver
  awsEbsCsiDriverChart: '2.48.0',
  // Chart and provisioner share the version; the chart is served from the Git tag v<version> (no Helm repository).
  // renovate: datasource=github-tags depName=rancher/local-path-provisioner
  localPathProvisioner: '0.0.30',
  // platform/etcd-backup: Sidero Labs' etcd snapshot job, which takes the snapshot through the Talos API, encrypts it
  // with age and uploads it to S3 (its Go module is not on the module proxy; no test runs it).
  // renovate: datasource=docker depName=ghcr.io/siderolabs/talos-backup
  talosBackup: '0.1.0-beta.2',
  // The helper image local-path runs to create and remove volume folders (the chart defaults to busybox:latest).
  // renovate: datasource=docker depName=busybox
  busybox: '1.37.0',
  // Apache Kafka clients: the stream job's kafka-streams (platform/streaming/job/pom.xml), which
  // platform/streaming/streaming.test.ts checks; the broker is `kafkaBroker` below.
  // renovate: datasource=maven depName=org.apache.kafka:kafka-streams
  kafka: '4.4.0',
  // platform/kafka: the Strimzi release. Its operator chart is published as an OCI artifact
  // (oci://quay.io/strimzi-helm/strimzi-kafka-operator, packaging/helm-charts/helm3/strimzi-kafka-operator/README.md
  // of strimzi/strimzi-kafka-operator at tag 1.2.0) with the release's version; the CRDs that validate kafka.strimzi.io
  // objects are generated from io.strimzi:api by io.strimzi:crd-generator of the same version (Maven Central).
  // renovate: datasource=docker depName=quay.io/strimzi-helm/strimzi-kafka-operator
  strimzi: '1.2.0',
  // The broker version the Kafka CR runs and the streaming tests start (platform/streaming/broker/pom.xml): one that
  // Strimzi supports (kafka-versions.yaml at tag 1.2.0: 4.2.0, 4.2.1, 4.3.0 and 4.3.1, the default). The clients
  // (`kafka` above) may be newer; platform/kafka/kafka.test.ts checks the broker pom and the Kafka CR agree.
  // renovate: datasource=maven depName=org.apache.kafka:kafka_2.13
  kafkaBroker: '4.3.1',
} as const;
