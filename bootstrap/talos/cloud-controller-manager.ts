// The AWS cloud controller manager, which Talos applies on aws clusters at bootstrap: kubelets run with an external
// cloud provider, so every new Node is tainted uninitialized until this controller sets its providerID, and nothing
// else (CoreDNS, Calico's controllers, Flux) schedules before it runs. It then keeps NLB targets and Nodes in step
// with the instances. Upstream's example manifests pin an older image and no cluster name, hence our own objects.
import type { AwsCluster } from '../../generators/model';
import { versions } from '../../generators/versions';
import { RESTRICTED_CONTAINER, RUNTIME_DEFAULT_SECCOMP } from '../../generators/security';

export const CCM_NAME = 'aws-cloud-controller-manager';
export const CCM_NAMESPACE = 'kube-system';
const CCM_IMAGE = `registry.k8s.io/provider-aws/cloud-controller-manager:v${versions.awsCloudControllerManager}`;
/** The secure port the controller serves /healthz on (the cloud-controller-manager default). */
const HEALTH_PORT = 10258;
const SERVICE_ACCOUNT = 'cloud-controller-manager';
const labels = { 'app.kubernetes.io/name': CCM_NAME };

/**
 * The objects as one multi-document YAML of one-line JSON documents, the contents of the control planes' inline
 * manifest: block YAML would put the control-plane config over EC2's 16 KB user-data limit.
 */
export function cloudControllerManager(cluster: AwsCluster): string {
  const rule = (apiGroup: string, resources: string[], verbs: string[]) => ({
    apiGroups: [apiGroup],
    resources,
    verbs,
  });
  const objects = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: SERVICE_ACCOUNT, namespace: CCM_NAMESPACE } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: `system:${SERVICE_ACCOUNT}` },
      rules: [
        rule('', ['events'], ['create', 'patch', 'update']),
        rule('', ['nodes'], ['get', 'list', 'watch', 'update', 'patch', 'delete']),
        rule('', ['nodes/status'], ['patch']),
        rule('', ['services'], ['get', 'list', 'watch', 'update', 'patch']),
        rule('', ['services/status'], ['update', 'patch']),
        rule('coordination.k8s.io', ['leases'], ['get', 'create', 'update']),
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: `system:${SERVICE_ACCOUNT}` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `system:${SERVICE_ACCOUNT}` },
      subjects: [{ kind: 'ServiceAccount', name: SERVICE_ACCOUNT, namespace: CCM_NAMESPACE }],
    },
    {
      // Delegated authentication reads the API server's extension-apiserver-authentication ConfigMap.
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: `${SERVICE_ACCOUNT}:authentication-reader`, namespace: CCM_NAMESPACE },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'Role',
        name: 'extension-apiserver-authentication-reader',
      },
      subjects: [{ kind: 'ServiceAccount', name: SERVICE_ACCOUNT, namespace: CCM_NAMESPACE }],
    },
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: CCM_NAME, namespace: CCM_NAMESPACE, labels },
      spec: {
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: SERVICE_ACCOUNT,
            priorityClassName: 'system-cluster-critical',
            nodeSelector: { 'node-role.kubernetes.io/control-plane': '' },
            tolerations: [
              { key: 'node.cloudprovider.kubernetes.io/uninitialized', value: 'true', effect: 'NoSchedule' },
              { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
              { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' },
            ],
            // Credentials come from the control planes' instance profile; IMDSv2 with hop limit 1 answers the host
            // only.
            hostNetwork: true,
            securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, ...RUNTIME_DEFAULT_SECCOMP },
            containers: [
              {
                name: CCM_NAME,
                image: CCM_IMAGE,
                imagePullPolicy: 'IfNotPresent',
                // NLBs and their target groups tagged with the cluster name; Calico's VXLAN carries pod traffic, so no
                // VPC routes.
                args: [
                  '--v=2',
                  '--cloud-provider=aws',
                  `--cluster-name=${cluster.name}`,
                  '--configure-cloud-routes=false',
                ],
                resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
                livenessProbe: {
                  httpGet: { path: '/healthz', port: HEALTH_PORT, scheme: 'HTTPS' },
                  initialDelaySeconds: 15,
                  periodSeconds: 20,
                },
                readinessProbe: {
                  httpGet: { path: '/healthz', port: HEALTH_PORT, scheme: 'HTTPS' },
                  periodSeconds: 10,
                },
                securityContext: RESTRICTED_CONTAINER,
              },
            ],
          },
        },
      },
    },
  ];
  return objects.map((o) => JSON.stringify(o)).join('\n---\n');
}
