// Standalone-strict JSON schemas for kubeconform, converted by this module from pinned upstream sources: every kind of
// one Kubernetes version (its OpenAPI spec), Flux's CRDs and those the components bring (`Component.crds`), and
// kustomize's own kustomization.yaml.
// Each schema file holds its referenced definitions under `$defs`, so no schema ever points outside its file.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { goModuleDir } from '../go-modules';
import type { KubeObject } from '../manifests';
import { repoRoot } from '../repo';
import { versions } from '../versions';
import { intact, publishFolder } from '../cache-seal';
import { mavenCrdDir, type MavenGeneratedCrds } from './maven-crds';

export type { MavenGeneratedCrds } from './maven-crds';

/** CRD YAML files shipped in a pinned Go module. */
export interface GoModuleCrds {
  /** Go module whose zip holds the CRDs. */
  module: string;
  version: string;
  /** Folder of CustomResourceDefinition YAML files inside the module. */
  dir: string;
}

export type CrdSource = GoModuleCrds | MavenGeneratedCrds;

/** How a source is named in messages and cache keys. */
export function crdSourceName(source: CrdSource): string {
  return 'module' in source ? `${source.module}@v${source.version}` : source.maven.join(' ');
}

/** The folder holding a source's CRD YAML files, fetched (or generated) first when the cache lacks it. */
export function crdFolder(source: CrdSource): string {
  return 'module' in source ? join(goModuleDir(source.module, source.version), source.dir) : mavenCrdDir(source);
}

/** The CRDs of the Flux install every cluster runs; components declare their own. */
export const FLUX_CRD_SOURCES: readonly CrdSource[] = [
  { module: 'github.com/fluxcd/source-controller', version: versions.flux.sourceController, dir: 'config/crd/bases' },
  {
    module: 'github.com/fluxcd/kustomize-controller',
    version: versions.flux.kustomizeController,
    dir: 'config/crd/bases',
  },
  { module: 'github.com/fluxcd/helm-controller', version: versions.flux.helmController, dir: 'config/crd/bases' },
  {
    module: 'github.com/fluxcd/notification-controller',
    version: versions.flux.notificationController,
    dir: 'config/crd/bases',
  },
];

/** kubeconform's `-schema-location` file template inside a schema folder; `schemaFile` is its TypeScript twin. */
export const SCHEMA_FILE_TEMPLATE = '{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json';

/** Path of the schema of (apiVersion, kind) inside a schema folder. Core kinds (`v1`) use the version as group. */
export function schemaFile(apiVersion: string, kind: string): string {
  const parts = apiVersion.split('/');
  return `${parts[0]}/${kind.toLowerCase()}_${parts[parts.length - 1]}.json`;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = { [key: string]: Json };

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

function isSchema(value: Json | undefined): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * One OpenAPI (v2 definition or CRD v3) schema node made strict for JSON Schema: objects with declared properties
 * reject unknown fields unless Kubernetes preserves them, int-or-string accepts both, `nullable` allows null, and refs
 * point at `$defs`. Descriptions and `x-kubernetes-*` markers are dropped once applied.
 */
function strictSchema(node: Schema): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'description' || key === 'nullable' || key.startsWith('x-kubernetes-')) continue;
    if (key === '$ref' && typeof value === 'string') out.$ref = value.replace('#/definitions/', '#/$defs/');
    else if ((key === 'properties' || key === 'patternProperties') && isSchema(value)) {
      out[key] = Object.fromEntries(
        Object.entries(value).map(([name, sub]) => [name, isSchema(sub) ? strictSchema(sub) : sub]),
      );
    } else if ((key === 'items' || key === 'additionalProperties' || key === 'not') && isSchema(value))
      out[key] = strictSchema(value);
    else if ((key === 'allOf' || key === 'anyOf' || key === 'oneOf') && Array.isArray(value)) {
      out[key] = value.map((sub) => (isSchema(sub) ? strictSchema(sub) : sub));
    } else out[key] = value;
  }
  if (node['x-kubernetes-int-or-string'] === true || node.format === 'int-or-string') {
    delete out.type;
    delete out.format;
    if (!out.anyOf && !out.oneOf) out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  const properties = out.properties;
  if (node['x-kubernetes-embedded-resource'] === true && isSchema(properties)) {
    properties.apiVersion ??= { type: 'string' };
    properties.kind ??= { type: 'string' };
    properties.metadata ??= { type: 'object' };
  }
  if (
    isSchema(properties) &&
    out.additionalProperties === undefined &&
    node['x-kubernetes-preserve-unknown-fields'] !== true
  ) {
    out.additionalProperties = false;
  }
  if (node.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  return out;
}

/** Kubernetes definitions of one version, converted, by definition name. */
type Definitions = Map<string, Schema>;

function kubernetesDefinitions(swagger: { definitions: Record<string, Schema> }): Definitions {
  const defs: Definitions = new Map();
  for (const [name, def] of Object.entries(swagger.definitions)) defs.set(name, strictSchema(def));
  // A quantity is written as `cpu: 1` as often as `cpu: "1"`; the API server accepts both.
  defs.set(QUANTITY, { anyOf: [{ type: 'string' }, { type: 'number' }] });
  return defs;
}

/** A root schema for one kind: apiVersion and kind pinned, plus the `$defs` closure it references. */
function standalone(root: Schema, apiVersion: string, kind: string, defs: Definitions): Schema {
  const properties = isSchema(root.properties) ? root.properties : {};
  const schema: Schema = {
    ...root,
    properties: {
      ...properties,
      apiVersion: { type: 'string', enum: [apiVersion] },
      kind: { type: 'string', enum: [kind] },
    },
    required: [...new Set(['apiVersion', 'kind', ...((root.required as string[] | undefined) ?? [])])],
  };
  const closure: Record<string, Schema> = {};
  const visit = (node: Json): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (isSchema(node)) {
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref' && typeof value === 'string') {
          const name = value.replace('#/$defs/', '');
          const def = defs.get(name);
          if (!def) throw new Error(`schema of ${apiVersion} ${kind} refers to missing definition ${name}`);
          if (!(name in closure)) {
            closure[name] = def;
            visit(def);
          }
        } else visit(value);
      }
    }
  };
  visit(schema);
  return Object.keys(closure).length
    ? { ...schema, $defs: Object.fromEntries(Object.entries(closure).sort(([a], [b]) => a.localeCompare(b))) }
    : schema;
}

interface Crd {
  spec: {
    group: string;
    names: { kind: string };
    versions: { name: string; served: boolean; schema?: { openAPIV3Schema?: Schema } }[];
  };
}

/** The schemas of one CRD's served versions, into `schemas`; `where` names the CRD in errors. */
function addCrdSchemas(crd: Crd | null, where: string, defs: Definitions, schemas: Map<string, Schema>): void {
  if (!crd?.spec?.versions) return;
  for (const version of crd.spec.versions.filter((v) => v.served)) {
    const openApi = version.schema?.openAPIV3Schema;
    if (!openApi) throw new Error(`${where}: version ${version.name} has no openAPIV3Schema`);
    const apiVersion = `${crd.spec.group}/${version.name}`;
    const root = strictSchema(openApi);
    const properties = isSchema(root.properties) ? root.properties : {};
    root.properties = { ...properties, metadata: { $ref: `#/$defs/${OBJECT_META}` } };
    schemas.set(schemaFile(apiVersion, crd.spec.names.kind), standalone(root, apiVersion, crd.spec.names.kind, defs));
  }
}

function crdSchemas(source: CrdSource, defs: Definitions): Map<string, Schema> {
  const dir = crdFolder(source);
  const schemas = new Map<string, Schema>();
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      const where = `${crdSourceName(source)} ${file}`;
      addCrdSchemas(doc.toJS() as Crd | null, where, defs, schemas);
    }
  }
  return schemas;
}

const stringList: Schema = { type: 'array', items: { type: 'string' } };
const stringMap: Schema = { type: 'object', additionalProperties: { type: 'string' } };
const objectList: Schema = { type: 'array', items: { type: 'object' } };

/** kustomize's kustomization.yaml (kustomize.config.k8s.io/v1beta1), written from its Go type: no upstream schema exists. */
const kustomizeConfigSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['apiVersion', 'kind'],
  properties: {
    apiVersion: { type: 'string', enum: ['kustomize.config.k8s.io/v1beta1'] },
    kind: { type: 'string', enum: ['Kustomization'] },
    metadata: { type: 'object' },
    namespace: { type: 'string' },
    namePrefix: { type: 'string' },
    nameSuffix: { type: 'string' },
    resources: stringList,
    components: stringList,
    crds: stringList,
    labels: objectList,
    commonLabels: stringMap,
    commonAnnotations: stringMap,
    patches: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          path: { type: 'string' },
          patch: { type: 'string' },
          target: { type: 'object' },
          options: { type: 'object' },
        },
      },
    },
    images: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: {
          name: { type: 'string' },
          newName: { type: 'string' },
          newTag: { type: 'string' },
          digest: { type: 'string' },
        },
      },
    },
    replicas: objectList,
    replacements: objectList,
    configMapGenerator: objectList,
    secretGenerator: objectList,
    generatorOptions: { type: 'object' },
    generators: stringList,
    transformers: stringList,
    validators: stringList,
    configurations: stringList,
    openapi: stringMap,
    sortOptions: { type: 'object' },
    buildMetadata: stringList,
  },
};

/**
 * Every schema file for one Kubernetes version, by path inside the schema folder. `chartCrds` are the
 * CustomResourceDefinitions charts render (generators/charts.ts); they come last, as what the chart installs.
 */
export function generateSchemas(
  kubernetesVersion: string,
  crdSources: readonly CrdSource[],
  chartCrds: readonly KubeObject[] = [],
): Map<string, Schema> {
  const swaggerPath = join(goModuleDir('k8s.io/kubernetes', kubernetesVersion), 'api/openapi-spec/swagger.json');
  const swagger = JSON.parse(readFileSync(swaggerPath, 'utf8')) as { definitions: Record<string, Schema> };
  const defs = kubernetesDefinitions(swagger);
  const schemas = new Map<string, Schema>();
  for (const [name, def] of Object.entries(swagger.definitions)) {
    const gvks = (def['x-kubernetes-group-version-kind'] ?? []) as { group: string; version: string; kind: string }[];
    for (const { group, version, kind } of gvks) {
      const apiVersion = group ? `${group}/${version}` : version;
      schemas.set(schemaFile(apiVersion, kind), standalone(defs.get(name) ?? {}, apiVersion, kind, defs));
    }
  }
  for (const source of [...FLUX_CRD_SOURCES, ...crdSources]) {
    for (const [file, schema] of crdSchemas(source, defs)) schemas.set(file, schema);
  }
  for (const crd of chartCrds) addCrdSchemas(crd as unknown as Crd, `chart CRD ${crd.metadata?.name}`, defs, schemas);
  schemas.set(schemaFile('kustomize.config.k8s.io/v1beta1', 'Kustomization'), kustomizeConfigSchema);
  return schemas;
}

/**
 * Cache folder of one Kubernetes version's schemas. The key covers every pinned source version and this converter's
 * own code, so a bump of either regenerates.
 */
export function schemaDir(
  kubernetesVersion: string,
  crdSources: readonly CrdSource[],
  chartCrds: readonly KubeObject[] = [],
): string {
  const key = createHash('sha256')
    .update(JSON.stringify({ kubernetesVersion, crds: [...FLUX_CRD_SOURCES, ...crdSources] }))
    .update(chartCrds.length ? JSON.stringify(chartCrds) : '')
    .update(readFileSync(fileURLToPath(import.meta.url)))
    .digest('hex')
    .slice(0, 16);
  return join(repoRoot, '.cache', 'schemas', `kubernetes-${kubernetesVersion}-${key}`);
}

/** The schema folder of a Kubernetes version, generated first when the cache lacks it. */
export function ensureSchemas(
  kubernetesVersion: string,
  crdSources: readonly CrdSource[],
  chartCrds: readonly KubeObject[] = [],
  regenerate = false,
): string {
  const dir = schemaDir(kubernetesVersion, crdSources, chartCrds);
  if (regenerate) rmSync(dir, { recursive: true, force: true });
  if (intact(dir, true)) return dir;
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  for (const [file, schema] of generateSchemas(kubernetesVersion, crdSources, chartCrds)) {
    mkdirSync(dirname(join(partial, file)), { recursive: true });
    writeFileSync(join(partial, file), JSON.stringify(schema));
  }
  publishFolder(partial, dir);
  return dir;
}
