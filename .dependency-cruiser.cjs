// Import rules that `npm run lint` enforces (and `npm test` through it): no cycles, type-only imports included, and
// the framework in generators/ never imports a component or bootstrap. Only the composition root
// (generators/estate/), the entry points (generators/cli/) and tests may.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'Modules must not depend on each other in a cycle (type-only imports count).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-imports-no-component',
      severity: 'error',
      comment: 'The framework knows no component: derive from the catalogue (generators/registries.ts) instead.',
      from: { path: '^generators/', pathNot: ['^generators/(estate|cli)/', '\\.test\\.ts$'] },
      to: { path: '^(platform|apps|bootstrap)/' },
    },
    {
      name: 'components-use-contracts',
      severity: 'error',
      comment: 'A component reaches another only through its cdk8s-free contract, <component>/api.ts.',
      from: { path: '^(platform|apps)/([^/]+)/', pathNot: '\\.test\\.ts$' },
      to: { path: '^(platform|apps)/([^/]+)/', pathNot: ['^$1/$2/', '/api\\.ts$'] },
    },
    {
      name: 'bootstrap-uses-contracts',
      severity: 'error',
      comment: 'bootstrap/ reads components only through their contracts (api.ts) and the composition root.',
      from: { path: '^bootstrap/', pathNot: '\\.test\\.ts$' },
      to: { path: '^(platform|apps)/', pathNot: '/api\\.ts$' },
    },
    {
      name: 'production-imports-no-test-helper',
      severity: 'error',
      comment: 'Test helpers (*.testkit.ts, generators/testing/) serve tests and benchmarks only.',
      from: { pathNot: ['\\.test\\.ts$', '\\.testkit\\.ts$', '^generators/testing/', '^generators/cli/bench-'] },
      to: { path: ['^generators/testing/', '\\.test\\.ts$', '\\.testkit\\.ts$'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['node_modules', '^\\.cache/', '^clusters/', '^flux-system/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['es6'],
  },
};
