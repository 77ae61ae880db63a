// The machine configs of both clusters, generated and validated by the Talos machinery at the pinned version.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, sign, verify, type JsonWebKey } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estate } from '../../generators/estate/clusters';
import type { AwsCluster, Cluster, MetalCluster } from '../../generators/model';
import { buildGoTool } from '../../generators/go-tools';
import { TALOS_CONFIG_TOOL } from './tools';
import { jwksUri, OIDC_DOCUMENT_PATHS } from '../../generators/irsa';
import { repoRoot } from '../../generators/repo';
import { versions } from '../../generators/versions';
import { validateTree } from '../../generators/validate/validate';
import { CCM_NAME, CCM_NAMESPACE, cloudControllerManager } from './cloud-controller-manager';
import {
  CALICO_OPERATOR_URL,
  fillPatch,
  genRequest,
  patchesFor,
  USER_DATA_LIMIT,
  type GenReport,
} from './machine-config';
import { catalogue } from '../../generators/estate/catalogue';
import { AWS_SCHEMATIC_ID } from './schematic';
import { validationExtensionsOf } from '../../generators/registries';

let talosConfig: string;
let bundle: string;
const work = mkdtempSync(join(tmpdir(), 'talos-configs-'));
const newDir = () => mkdtempSync(join(work, 'out-'));

afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(() => {
  talosConfig = buildGoTool(TALOS_CONFIG_TOOL);
  bundle = execFileSync(talosConfig, ['secrets', '--talos-version', versions.talos], { encoding: 'utf8' });
});

function gen(request: string): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(talosConfig, ['gen'], { input: request, encoding: 'utf8' });
}

function genCluster(cluster: Cluster): { report: GenReport; outDir: string } {
  const outDir = newDir();
  const result = gen(genRequest(cluster, endpointOf(cluster), bundle, outDir));
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return { report: JSON.parse(result.stdout) as GenReport, outDir };
}

function docs(path: string): Record<string, any>[] {
  return parseAllDocuments(readFileSync(path, 'utf8')).map((d) => d.toJS() as Record<string, any>);
}

const byName = (name: string) => estate.clusters.find((c) => c.name === name)!;
/** On AWS the endpoint comes from the stack outputs: an NLB name as bootstrap/aws exports it. */
const endpointOf = (cluster: Cluster) =>
  cluster.provider === 'metal'
    ? cluster.talos.endpoint
    : 'https://aws-api-0123456789abcdef.elb.eu-central-1.amazonaws.com:6443';

describe.each(estate.clusters.map((c) => [c.name, c] as const))('machine configs of %s', (_, cluster) => {
  let report: GenReport;
  let outDir: string;
  beforeAll(() => ({ report, outDir } = genCluster(cluster)));

  it(`validate strictly in ${cluster.provider === 'aws' ? 'cloud' : 'metal'} mode and fit in ${USER_DATA_LIMIT} bytes of user-data`, () => {
    for (const role of ['controlplane', 'worker']) {
      const generated = report[role]!;
      expect(generated.bytes).toBeLessThan(USER_DATA_LIMIT);
      expect(generated.warnings ?? []).toEqual([]);
      const text = readFileSync(join(outDir, `${role}.yaml`), 'utf8');
      expect(Buffer.byteLength(text)).toBe(generated.bytes);
      expect(text).not.toMatch(/^\s*#/m); // no docs, no examples
    }
  });

  it('carry the cluster model: name, endpoint, Kubernetes version, CIDRs, CNI, install disk', () => {
    for (const role of ['controlplane', 'worker']) {
      const [main] = docs(join(outDir, `${role}.yaml`));
      expect(main!.cluster.clusterName).toBe(cluster.name);
      expect(main!.cluster.controlPlane.endpoint).toBe(endpointOf(cluster));
      expect(main!.cluster.network).toMatchObject({
        podSubnets: [cluster.network.podCidr],
        serviceSubnets: [cluster.network.serviceCidr],
      });
      expect(main!.machine.kubelet.nodeIP.validSubnets).toEqual([cluster.network.nodeCidr]);
      expect(main!.machine.kubelet.image).toBe(`ghcr.io/siderolabs/kubelet:v${versions.kubernetes}`);
      expect(main!.machine.install).toMatchObject({
        ...cluster.talos.install,
        image:
          cluster.provider === 'aws'
            ? `factory.talos.dev/aws-installer/${AWS_SCHEMATIC_ID}:v${versions.talos}`
            : `ghcr.io/siderolabs/installer:v${versions.talos}`,
      });
    }
    const [controlPlane] = docs(join(outDir, 'controlplane.yaml'));
    expect(controlPlane!.cluster.etcd.advertisedSubnets).toEqual([cluster.network.nodeCidr]);
  });

  it(`install ${cluster.talos.cni.name}: the pinned Tigera operator on every node, its Installation from the control planes`, () => {
    expect(CALICO_OPERATOR_URL).toBe(
      `https://raw.githubusercontent.com/projectcalico/calico/v${versions.calico}/manifests/tigera-operator.yaml`,
    );
    for (const role of ['controlplane', 'worker']) {
      expect(docs(join(outDir, `${role}.yaml`))[0]!.cluster.network.cni).toEqual({
        name: 'custom',
        urls: [CALICO_OPERATOR_URL],
      });
    }
    expect(docs(join(outDir, 'worker.yaml'))[0]!.cluster.inlineManifests ?? []).toEqual([]);
    const [controlPlane] = docs(join(outDir, 'controlplane.yaml'));
    // Calico's iptables dataplane below needs kube-proxy in iptables mode, Talos's default.
    expect(controlPlane!.cluster.proxy?.mode ?? 'iptables').toBe('iptables');
    const manifests = controlPlane!.cluster.inlineManifests as { name: string; contents: string }[];
    expect(manifests.map((m) => m.name)).toEqual(
      cluster.provider === 'aws' ? ['calico-installation', CCM_NAME] : ['calico-installation'],
    );
    const installation = parseAllDocuments(manifests[0]!.contents).map((d) => d.toJS());
    expect(installation).toEqual([
      {
        apiVersion: 'operator.tigera.io/v1',
        kind: 'Installation',
        metadata: { name: 'default' },
        spec: {
          kubeletVolumePluginPath: 'None',
          calicoNetwork: {
            bgp: 'Disabled',
            linuxDataplane: 'Iptables',
            ipPools: [
              {
                name: 'default-ipv4-ippool',
                cidr: cluster.network.podCidr,
                encapsulation: 'VXLAN',
                natOutgoing: 'Enabled',
                nodeSelector: 'all()',
              },
            ],
          },
        },
      },
    ]);
  });

  it('make kubelets request CA-signed serving certificates (approved and verified by platform/metrics), and apply no extra manifests', () => {
    for (const role of ['controlplane', 'worker']) {
      const [config] = docs(join(outDir, `${role}.yaml`));
      expect(config!.machine.kubelet.extraArgs).toEqual({ 'rotate-server-certificates': 'true' });
      expect(config!.cluster.extraManifests ?? []).toEqual([]);
    }
  });

  it('keep Talos defaults for the metrics of etcd, the scheduler and the controller manager (nothing scrapes them)', () => {
    const [controlPlane] = docs(join(outDir, 'controlplane.yaml'));
    expect(controlPlane!.cluster.etcd.extraArgs ?? {}).toEqual({});
    expect(controlPlane!.cluster.controllerManager?.extraArgs ?? {}).toEqual({});
    expect(controlPlane!.cluster.scheduler?.extraArgs ?? {}).toEqual({});
  });

  it('issue 23 defect 2: run kube-proxy with its metrics on the node address Prometheus scrapes, not localhost', () => {
    const [controlPlane] = docs(join(outDir, 'controlplane.yaml'));
    expect(controlPlane!.cluster.proxy.extraArgs).toEqual({ 'metrics-bind-address': '$(POD_IP):10249' });
  });

  it('keep the control-plane-only and worker-only settings on their role', () => {
    const controlPlane = docs(join(outDir, 'controlplane.yaml'));
    const worker = docs(join(outDir, 'worker.yaml'));
    expect(controlPlane[0]!.machine.sysctls?.['fs.inotify.max_user_watches']).toBeUndefined();
    expect(worker[0]!.machine.sysctls['fs.inotify.max_user_watches']).toBe('524288');
    expect(worker.some((d) => d.kind === 'Layer2VIPConfig')).toBe(false);
    const vips = controlPlane.filter((d) => d.kind === 'Layer2VIPConfig');
    expect(vips).toEqual(
      cluster.provider === 'metal'
        ? [
            {
              apiVersion: 'v1alpha1',
              kind: 'Layer2VIPConfig',
              name: cluster.talos.vip.address,
              link: cluster.talos.vip.link,
            },
          ]
        : [],
    );
  });

  it("authenticate kubelet pulls from the account's own ECR through the extension on every AWS node, nowhere else", () => {
    for (const role of ['controlplane', 'worker']) {
      const config = docs(join(outDir, `${role}.yaml`))[0]!.machine.kubelet.credentialProviderConfig;
      if (cluster.provider !== 'aws') {
        expect(config).toBeUndefined();
        continue;
      }
      expect(config).toEqual({
        apiVersion: 'kubelet.config.k8s.io/v1',
        kind: 'CredentialProviderConfig',
        providers: [
          {
            // The binary's name in the extension's folder, which Talos hands kubelet.
            name: 'ecr-credential-provider',
            apiVersion: 'credentialprovider.kubelet.k8s.io/v1',
            matchImages: [`${cluster.accountId}.dkr.ecr.${cluster.region}.amazonaws.com`],
            defaultCacheDuration: '12h',
          },
        ],
      });
    }
  });

  it('run kubelets with an external cloud provider and install the AWS cloud controller manager on AWS only', () => {
    for (const role of ['controlplane', 'worker']) {
      expect(docs(join(outDir, `${role}.yaml`))[0]!.cluster.externalCloudProvider).toEqual(
        cluster.provider === 'aws' ? { enabled: true } : undefined,
      );
    }
    const manifests = docs(join(outDir, 'controlplane.yaml'))[0]!.cluster.inlineManifests as {
      name: string;
      contents: string;
    }[];
    const ccm = manifests.find((m) => m.name === CCM_NAME);
    if (cluster.provider !== 'aws') return expect(ccm).toBeUndefined();
    const objects = parseAllDocuments(ccm!.contents).map((d) => d.toJS());
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`)).toEqual([
      `ServiceAccount/${CCM_NAMESPACE}/cloud-controller-manager`,
      'ClusterRole//system:cloud-controller-manager',
      'ClusterRoleBinding//system:cloud-controller-manager',
      `RoleBinding/${CCM_NAMESPACE}/cloud-controller-manager:authentication-reader`,
      `DaemonSet/${CCM_NAMESPACE}/${CCM_NAME}`,
    ]);
    const pod = objects.find((o) => o.kind === 'DaemonSet').spec.template.spec;
    expect(pod.containers[0].image).toBe(
      `registry.k8s.io/provider-aws/cloud-controller-manager:v${versions.awsCloudControllerManager}`,
    );
    expect(pod.containers[0].args).toEqual([
      '--v=2',
      '--cloud-provider=aws',
      `--cluster-name=${cluster.name}`,
      '--configure-cloud-routes=false',
    ]);
    // Runs before any Node is initialised (it initialises them), on the control planes, where the instance role is.
    expect(pod.tolerations).toContainEqual({
      key: 'node.cloudprovider.kubernetes.io/uninitialized',
      value: 'true',
      effect: 'NoSchedule',
    });
    expect(pod.nodeSelector).toEqual({ 'node-role.kubernetes.io/control-plane': '' });
    expect(pod.hostNetwork).toBe(true);
    const binding = objects.find((o) => o.kind === 'RoleBinding');
    expect(binding.roleRef.name).toBe('extension-apiserver-authentication-reader');
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: pod.serviceAccountName, namespace: CCM_NAMESPACE },
    ]);
  });

  it(`encrypt STATE and EPHEMERAL with LUKS2, keyed ${cluster.provider === 'aws' ? 'to the node' : 'to the TPM'}`, () => {
    for (const role of ['controlplane', 'worker']) {
      const volumes = docs(join(outDir, `${role}.yaml`)).filter((d) => d.kind === 'VolumeConfig');
      expect(volumes.map((v) => v.name).sort()).toEqual(['EPHEMERAL', 'STATE']);
      for (const v of volumes) {
        expect(v.encryption.provider).toBe('luks2');
        expect(v.encryption.keys).toEqual([
          { slot: 0, ...(cluster.provider === 'aws' ? { nodeID: {} } : { tpm: {} }) },
        ]);
      }
    }
  });

  it('take time from the Amazon Time Sync Service on AWS only', () => {
    for (const role of ['controlplane', 'worker']) {
      const timeSync = docs(join(outDir, `${role}.yaml`)).find((d) => d.kind === 'TimeSyncConfig');
      expect(timeSync?.ntp.servers).toEqual(cluster.provider === 'aws' ? ['169.254.169.123'] : undefined);
    }
  });
});

describe('the AWS cloud controller manager manifest', () => {
  const aws = byName('aws') as AwsCluster;
  /** kubeconform at the cluster's Kubernetes version, as `npm run validate` checks the rendered tree. */
  async function schemaProblems(contents: string): Promise<string[]> {
    const root = mkdtempSync(join(work, 'ccm-'));
    mkdirSync(join(root, 'clusters/aws'), { recursive: true });
    writeFileSync(
      join(root, 'clusters/aws/kustomization.yaml'),
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ccm.yaml\n',
    );
    writeFileSync(join(root, 'clusters/aws/ccm.yaml'), contents);
    return (await validateTree(root, [aws], validationExtensionsOf(catalogue))).problems.map(
      (p) => `${p.object} ${p.path}: ${p.message}`,
    );
  }

  it('passes the Kubernetes schemas; a misspelt field fails them', async () => {
    const contents = cloudControllerManager(aws);
    expect(await schemaProblems(contents)).toEqual([]);
    const broken = await schemaProblems(contents.replace('"hostNetwork":true', '"hostNetwrok":true'));
    expect(broken.join('\n')).toMatch(/DaemonSet\/kube-system\/aws-cloud-controller-manager .*hostNetwrok/);
  });
});

describe('OIDC documents of the aws issuer', () => {
  const aws = byName('aws') as Extract<Cluster, { provider: 'aws' }>;
  let outDir: string;
  beforeAll(() => ({ outDir } = genCluster(aws)));
  const [discoveryPath, jwksPath] = OIDC_DOCUMENT_PATHS;
  const document = (dir: string, path: string) => JSON.parse(readFileSync(join(dir, 'oidc', path), 'utf8'));
  /** The bundle's service-account signing key, as the API server holds it. */
  const signingKey = (secrets: string) =>
    createPrivateKey(Buffer.from(parse(secrets).certs.k8sserviceaccount.key, 'base64').toString('utf8'));
  const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

  /** A service-account token as the API server signs it: RS256 over header.payload, with the key's kid. */
  function token(secrets: string, kid: string): string {
    const signed = `${base64url(JSON.stringify({ alg: 'RS256', kid }))}.${base64url(JSON.stringify({ iss: aws.serviceAccountIssuer, aud: ['sts.amazonaws.com'], sub: 'system:serviceaccount:storage:ebs-csi-controller-sa' }))}`;
    return `${signed}.${sign('sha256', Buffer.from(signed), signingKey(secrets)).toString('base64url')}`;
  }

  /** What STS does with a token: find the JWKS key by kid, verify the RS256 signature. */
  function verifies(jwt: string, jwks: { keys: (JsonWebKey & { kid: string })[] }): boolean {
    const [header, payload, signature] = jwt.split('.') as [string, string, string];
    const key = jwks.keys.find((k) => k.kid === JSON.parse(Buffer.from(header, 'base64url').toString()).kid);
    return (
      key !== undefined &&
      verify(
        'sha256',
        Buffer.from(`${header}.${payload}`),
        createPublicKey({ key, format: 'jwk' }),
        Buffer.from(signature, 'base64url'),
      )
    );
  }

  it('point the API server at the issuer and the published JWKS, on control planes only', () => {
    const [controlPlane] = docs(join(outDir, 'controlplane.yaml'));
    expect(controlPlane!.cluster.apiServer.extraArgs).toMatchObject({
      'service-account-issuer': aws.serviceAccountIssuer,
      'service-account-jwks-uri': jwksUri(aws.serviceAccountIssuer),
    });
    expect(docs(join(outDir, 'worker.yaml'))[0]!.cluster.apiServer).toBeUndefined();
  });

  it('write the discovery document of the issuer', () => {
    expect(document(outDir, discoveryPath)).toEqual({
      issuer: aws.serviceAccountIssuer,
      jwks_uri: jwksUri(aws.serviceAccountIssuer),
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
    });
  });

  it("write a JWKS that verifies tokens signed with the bundle's service-account key, and only those", () => {
    const jwks = document(outDir, jwksPath);
    const publicKey = createPublicKey(signingKey(bundle)).export({ type: 'spki', format: 'der' });
    const kid = createHash('sha256').update(publicKey).digest('base64url');
    expect(jwks.keys.map((k: { kid: string; alg: string; use: string }) => [k.kid, k.alg, k.use])).toEqual([
      [kid, 'RS256', 'sig'],
    ]);
    expect(verifies(token(bundle, kid), jwks)).toBe(true);
    const otherBundle = execFileSync(talosConfig, ['secrets', '--talos-version', versions.talos], { encoding: 'utf8' });
    expect(verifies(token(otherBundle, kid), jwks)).toBe(false);
  });

  it('are deterministic for one bundle, and absent for a cluster without a public issuer', () => {
    const again = genCluster(aws).outDir;
    for (const path of OIDC_DOCUMENT_PATHS)
      expect(readFileSync(join(again, 'oidc', path), 'utf8')).toBe(readFileSync(join(outDir, 'oidc', path), 'utf8'));
    expect(existsSync(join(genCluster(byName('onprem')).outDir, 'oidc'))).toBe(false);
  });
});

describe('talos-config gen', () => {
  it('is deterministic for one secrets bundle, and keeps an existing talosconfig', () => {
    const cluster = byName('onprem');
    const { outDir } = genCluster(cluster);
    const first = readFileSync(join(outDir, 'controlplane.yaml'), 'utf8');
    const talosconfig = readFileSync(join(outDir, 'talosconfig'), 'utf8');
    expect(gen(genRequest(cluster, endpointOf(cluster), bundle, outDir)).status).toBe(0);
    expect(readFileSync(join(outDir, 'controlplane.yaml'), 'utf8')).toBe(first);
    expect(readFileSync(join(outDir, 'talosconfig'), 'utf8')).toBe(talosconfig);
  });

  it('fails metal-mode validation without an install disk, which cloud mode does not need', () => {
    const onprem = byName('onprem');
    const aws = byName('aws');
    const noDisk = { install: { disk: '' } };
    const metal = gen(
      genRequest({ ...onprem, talos: { ...onprem.talos, ...noDisk } } as Cluster, endpointOf(onprem), bundle, newDir()),
    );
    expect(metal.status).toBe(1);
    expect(metal.stderr).toMatch(
      /controlplane config: validation in metal mode \(strict\)[\s\S]*either install disk or diskSelector should be defined/,
    );
    const cloud = gen(
      genRequest({ ...aws, talos: { ...aws.talos, ...noDisk } } as Cluster, endpointOf(aws), bundle, newDir()),
    );
    expect(cloud.stderr).toBe('');
    expect(cloud.status).toBe(0);
  });

  it('fails validation of bad model values, naming the field', () => {
    const aws = byName('aws');
    const onprem = byName('onprem') as MetalCluster;
    const badSubnet = gen(
      genRequest({ ...aws, network: { ...aws.network, nodeCidr: '10.10.0.0/99' } }, endpointOf(aws), bundle, newDir()),
    );
    expect(badSubnet.status).toBe(1);
    expect(badSubnet.stderr).toMatch(
      /validation in cloud mode \(strict\)[\s\S]*kubelet nodeIP subnet is not valid: "10\.10\.0\.0\/99"/,
    );
    const badVip = gen(
      genRequest(
        { ...onprem, talos: { ...onprem.talos, vip: { address: '10.30.0', link: 'enp1s0' } } },
        endpointOf(onprem),
        bundle,
        newDir(),
      ),
    );
    expect(badVip.status).toBe(1);
    expect(badVip.stderr).toMatch(/Layer2VIPConfig\/10\.30\.0: name must be a valid IP address/);
  });

  it.each([
    ['aws', 'an encryption without keys', 'keys: []', /encryption keys are required/],
    [
      'onprem',
      'an unknown provider',
      'provider: luks1',
      /patches\/metal.yaml: error decoding document v1alpha1\/VolumeConfig\/STATE/,
    ],
    [
      'onprem',
      'a key of no type',
      'keys: [{ slot: 0 }]',
      /at least one encryption key type must be specified for slot 0/,
    ],
  ])('fails validation of the %s disk encryption with %s', (name, _, change, message) => {
    const cluster = byName(name);
    const request = JSON.parse(genRequest(cluster, endpointOf(cluster), bundle, newDir()));
    const provider = request.patches.worker.find((p: { file: string }) => p.file.endsWith(`/${cluster.provider}.yaml`));
    const key = change.split(':')[0]!;
    provider.content = provider.content.replace(
      key === 'keys' ? /keys:\n(\s+- slot: 0\n\s+\w+: \{\}\n)/ : /provider: luks2/,
      change + (key === 'keys' ? '\n' : ''),
    );
    const result = gen(JSON.stringify(request));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(message);
  });

  it('names the patch file that does not apply', () => {
    const request = JSON.parse(genRequest(byName('aws'), endpointOf(byName('aws')), bundle, newDir()));
    request.patches.worker.push({ file: 'bootstrap/talos/patches/typo.yaml', content: 'machine:\n  kubelett: {}\n' });
    const result = gen(JSON.stringify(request));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('worker config: bootstrap/talos/patches/typo.yaml:');
  });

  it('refuses a config over the 16 KB user-data limit', () => {
    const request = JSON.parse(genRequest(byName('aws'), endpointOf(byName('aws')), bundle, newDir()));
    const labels = Object.fromEntries(
      Array.from({ length: 200 }, (_, i) => [`example.com/padding-${i}`, 'x'.repeat(40)]),
    );
    request.patches.worker.push({ file: 'padding.yaml', content: JSON.stringify({ machine: { nodeLabels: labels } }) });
    const result = gen(JSON.stringify(request));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/worker config: \d+ bytes is over the 16384-byte user-data limit/);
  });
});

describe('patches', () => {
  it('apply common, role, provider, then provider.role when it exists', () => {
    expect(patchesFor(byName('onprem'), 'controlplane').map((p) => p.file)).toEqual(
      ['common', 'controlplane', 'metal', 'metal.controlplane'].map((n) => `bootstrap/talos/patches/${n}.yaml`),
    );
    expect(patchesFor(byName('aws'), 'worker').map((p) => p.file)).toEqual(
      ['common', 'worker', 'aws'].map((n) => `bootstrap/talos/patches/${n}.yaml`),
    );
  });

  it('reject a placeholder the model does not have, naming the file', () => {
    expect(() =>
      fillPatch('bootstrap/talos/patches/aws.yaml', 'name: {{vipAddress}}', { podCidr: '10.0.0.0/16' }),
    ).toThrow('bootstrap/talos/patches/aws.yaml: {{vipAddress}} is not a value of the cluster model; known: podCidr');
  });

  it('are generated by the machinery version that versions.ts pins', () => {
    const goMod = readFileSync(join(repoRoot, 'bootstrap/talos/machinery/go.mod'), 'utf8');
    expect(goMod).toContain(`github.com/siderolabs/talos/pkg/machinery v${versions.talos}\n`);
  });
});
