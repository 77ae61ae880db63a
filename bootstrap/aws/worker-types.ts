// The instance types a mixed worker group may combine. The cluster autoscaler sizes a node group by the first instance
// type of its mixed-instances policy (cluster-autoscaler/cloudprovider/aws/README.md "Using Mixed Instances Policies
// and Spot Instances", kubernetes/autoscaler at tag cluster-autoscaler-1.35.2), so every type must give the same vCPUs
// and memory: the same size, and families of the same memory per vCPU and CPU architecture.
/** A node CPU architecture, as Talos AMIs name it. */
export type Arch = 'amd64' | 'arm64';

interface Family {
  /** GiB of memory per vCPU. */
  memoryPerVcpu: number;
  arch: Arch;
}

const family = (memoryPerVcpu: number, arch: Arch, names: string[]) =>
  names.map((name) => [name, { memoryPerVcpu, arch }] as const);

/** Current-generation families only: older ones have fewer Spot pools and no IMDSv2-by-default AMIs to test on. */
export const WORKER_FAMILIES: Readonly<Record<string, Family>> = Object.fromEntries([
  ...family(4, 'amd64', ['m5', 'm5a', 'm6i', 'm6a', 'm7i', 'm7a']),
  ...family(4, 'arm64', ['m6g', 'm7g', 'm8g']),
  ...family(2, 'amd64', ['c5', 'c5a', 'c6i', 'c6a', 'c7i', 'c7a']),
  ...family(2, 'arm64', ['c6g', 'c7g', 'c8g']),
  ...family(8, 'amd64', ['r5', 'r5a', 'r6i', 'r6a', 'r7i', 'r7a']),
  ...family(8, 'arm64', ['r6g', 'r7g', 'r8g']),
]);

/** vCPUs by size. */
const SIZES: Readonly<Record<string, number>> = {
  large: 2,
  xlarge: 4,
  '2xlarge': 8,
  '4xlarge': 16,
  '8xlarge': 32,
  '12xlarge': 48,
  '16xlarge': 64,
};

const describe = (type: string, f: Family, vcpus: number) =>
  `${type} (${vcpus} vCPU, ${vcpus * f.memoryPerVcpu} GiB, ${f.arch})`;

/** Problems with a list of worker types for nodes of `arch`, each as [index or undefined, message]. */
export function workerTypeProblems(types: readonly string[], arch: Arch): [number | undefined, string][] {
  const problems: [number | undefined, string][] = [];
  const known = types.flatMap((type, i) => {
    const [name = '', size = ''] = type.split('.');
    const f = WORKER_FAMILIES[name];
    const vcpus = SIZES[size];
    if (!f) {
      problems.push([
        i,
        `${JSON.stringify(type)} is of an unknown instance family (known: ${Object.keys(WORKER_FAMILIES).join(', ')})`,
      ]);
      return [];
    }
    if (!vcpus) {
      problems.push([i, `${JSON.stringify(type)} has an unknown size (known: ${Object.keys(SIZES).join(', ')})`]);
      return [];
    }
    if (f.arch !== arch) problems.push([i, `${type} is ${f.arch}, but nodes.arch is ${arch} (the Talos AMI's)`]);
    return [{ type, f, vcpus }];
  });
  const [first, ...rest] = known;
  for (const other of rest) {
    if (other.vcpus !== first!.vcpus || other.f.memoryPerVcpu !== first!.f.memoryPerVcpu) {
      problems.push([
        undefined,
        `mixes ${describe(first!.type, first!.f, first!.vcpus)} with ${describe(other.type, other.f, other.vcpus)}: ` +
          'the cluster autoscaler sizes the group by the first type, so all must give the same vCPUs and memory',
      ]);
    }
  }
  if (new Set(types).size !== types.length) problems.push([undefined, 'lists an instance type twice']);
  return problems;
}
