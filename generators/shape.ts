// Checks that typed inputs (the model, a component's values, inventories) carry only the keys their types know, and
// that resource quantities are quantities. TypeScript catches neither at load time: an extra or misspelt key
// (`replica: 5`) is silently ignored, and a number where Kubernetes expects a quantity string still renders.

/** The keys an object may have: `true` for any value, a nested Shape for an object, `[Shape]` for a list of objects. */
export interface Shape {
  readonly [key: string]: true | Shape | readonly [Shape];
}

export type Fail = (field: string, message: string) => void;

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function join(field: string, key: string): string {
  return field ? `${field}.${key}` : key;
}

/** Reports every key of `value` (and of its nested objects) that `shape` does not list, naming its field. */
export function unknownKeys(value: unknown, shape: Shape, field: string, fail: Fail): void {
  if (!isObject(value)) return;
  for (const [key, inner] of Object.entries(value)) {
    const expected = shape[key];
    const at = join(field, key);
    if (expected === undefined) {
      fail(at, `is not a known field; known: ${Object.keys(shape).join(', ') || 'none'}`);
    } else if (Array.isArray(expected)) {
      if (Array.isArray(inner))
        inner.forEach((item, i) => unknownKeys(item, expected[0] as Shape, `${at}[${i}]`, fail));
    } else if (expected !== true) {
      unknownKeys(inner, expected as Shape, at, fail);
    }
  }
}

/** The keys of a shape whose every field is a leaf. */
export function leaves(...keys: string[]): Shape {
  return Object.fromEntries(keys.map((k) => [k, true]));
}

const CPU = /^([1-9][0-9]*m|[0-9]+(\.[0-9]{1,3})?)$/;
const MEMORY = /^[1-9][0-9]*(Ki|Mi|Gi|Ti)$/;

/** Why `value` is not a CPU quantity string (`100m`, `1`, `0.5`), or undefined when it is. */
export function cpuProblem(value: unknown): string | undefined {
  if (typeof value === 'string' && CPU.test(value) && value !== '0') return undefined;
  const bare = typeof value === 'number' ? ' (a bare number: write the quantity as a string, e.g. "100m")' : '';
  return `${JSON.stringify(value)} is not a CPU quantity like "100m"${bare}`;
}

/** Why `value` is not a memory quantity string in binary units (`256Mi`, `2Gi`), or undefined when it is. */
export function memoryProblem(value: unknown): string | undefined {
  if (typeof value === 'string' && MEMORY.test(value)) return undefined;
  const bare =
    typeof value === 'number' ? ' (a bare number of bytes: write the quantity as a string, e.g. "256Mi")' : '';
  return `${JSON.stringify(value)} is not a memory quantity like "256Mi"${bare}`;
}

/** The usual `requests` + `memoryLimit` resource values of a component: every problem, by field under `field`. */
export function resourceProblems(
  values: { requests?: { cpu?: unknown; memory?: unknown }; memoryLimit?: unknown } | undefined,
  field: string,
  fail: Fail,
): void {
  const check = (at: string, problem: string | undefined) => problem && fail(join(field, at), problem);
  check('requests.cpu', cpuProblem(values?.requests?.cpu));
  check('requests.memory', memoryProblem(values?.requests?.memory));
  check('memoryLimit', memoryProblem(values?.memoryLimit));
}

/** The keys of `requests` + `memoryLimit`, for a component's Shape. */
export const RESOURCE_KEYS: Shape = { requests: leaves('cpu', 'memory'), memoryLimit: true };
