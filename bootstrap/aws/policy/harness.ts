// Test harness: runs the pack's policies the way the engine does, over resources built by hand or from the mocked
// program, and returns the violation messages.
import type {
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from '@pulumi/policy';
import { policies } from './rules';

/** A resource as the engine hands it to a stack policy; `deps` are its property dependencies. */
export function policyResource(
  type: string,
  name: string,
  props: Record<string, any>,
  deps: Record<string, PolicyResource[]> = {},
  opts: Partial<PolicyResourceOptions> = {},
): PolicyResource {
  return {
    type,
    name,
    urn: `urn:pulumi:aws::aws-bootstrap::${type}::${name}`,
    props,
    opts: {
      protect: false,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
      ...opts,
    },
    dependencies: Object.values(deps).flat(),
    propertyDependencies: deps,
    isType: () => false,
    asType: () => undefined,
  };
}

/** Runs one policy over the given resources (stack or per-resource) and returns the violation messages. */
export async function violations(name: string, resources: PolicyResource[]): Promise<string[]> {
  const found = policies.find((p) => p.name === name);
  if (!found) throw new Error(`no policy ${name}`);
  const messages: string[] = [];
  const report = (message: string) => messages.push(message);
  const notApplicable = (reason?: string): never => {
    throw new Error(`not applicable: ${reason}`);
  };
  if ('validateStack' in found) {
    await (found as StackValidationPolicy).validateStack(
      { resources, stackTags: new Map(), getConfig: <T>() => ({}) as T, notApplicable },
      report,
    );
    return messages;
  }
  const validations = [(found as ResourceValidationPolicy).validateResource ?? []].flat();
  for (const r of resources) {
    const args: ResourceValidationArgs = {
      type: r.type,
      props: r.props,
      urn: r.urn,
      name: r.name,
      opts: r.opts,
      stackTags: new Map(),
      isType: () => false,
      asType: () => undefined,
      getConfig: <T>() => ({}) as T,
      notApplicable,
    };
    for (const validate of validations) await validate(args, report);
  }
  return messages;
}
