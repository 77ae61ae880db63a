import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

const TMPDIR_SETUP = 'generators/testing/global-setup.ts';
const TESTS = '{generators,platform,apps,bootstrap,flux-system}/**/*.test.ts';
/**
 * The Pulumi program's unit tests that install mocks of their own (another stack config, fresh mocks), a project of
 * their own: pulumi.runtime's mocks and config are process-global. The other bootstrap/aws tests share one run of the
 * program per worker (firstRunStack, bootstrap/aws/mocks.testkit.ts) in the unit project.
 */
export const ISOLATED_PULUMI_TESTS = [
  'bootstrap/aws/program-network-phase.test.ts',
  'bootstrap/aws/program-refused.test.ts',
];

export const PROVING_GROUND = 'generators/proving-ground/e2e.test.ts';
/** Set to 1 by `npm run bench:tests -- --without-proving-ground`: the integration tier without the proving ground. */
export const WITHOUT_PROVING_GROUND = 'GITOPS_TESTS_WITHOUT_PROVING_GROUND';

/**
 * Test files that build Go tools or run real binaries (Go builds, promtool, nginx, kubeconform, sops, git, Pulumi's
 * engine): the integration tier. Every other test file is a unit test, which generators/testing/unit-tier.ts enforces.
 */
export const INTEGRATION = [
  'apps/task-tracker/go.test.ts',
  'apps/task-tracker/rules.test.ts',
  'apps/task-tracker/service.test.ts',
  'apps/task-tracker/shared-state.test.ts',
  'bootstrap/aws/policy/pack.test.ts',
  'bootstrap/aws/preview-summary.test.ts',
  'bootstrap/aws/program.test.ts',
  'bootstrap/aws/runtime.test.ts',
  'bootstrap/talos/age-key.test.ts',
  'bootstrap/talos/cli.test.ts',
  'bootstrap/talos/machine-config.test.ts',
  'generators/chart-gates.test.ts',
  'generators/charts.test.ts',
  'generators/cli/cli.test.ts',
  'generators/cli/dev.test.ts',
  'generators/cli/doctor.test.ts',
  'generators/cli/gate.test.ts',
  'generators/cli/grafana.test.ts',
  'generators/corpus.test.ts',
  'generators/debian-packages.test.ts',
  'generators/diff/diff.test.ts',
  'generators/extension-point.test.ts',
  'generators/flux-install/vendor.test.ts',
  'generators/go-tools.test.ts',
  'generators/kustomize.test.ts',
  'generators/pins.test.ts',
  'generators/ports-processes.test.ts',
  'generators/policy/repo.test.ts',
  'generators/proving-ground/deviations.test.ts',
  PROVING_GROUND,
  'generators/proving-ground/tools.test.ts',
  'generators/render-fault.test.ts',
  'generators/render.test.ts',
  'generators/secrets/secrets.test.ts',
  'generators/validate/validate.test.ts',
  'generators/workflows/workflows.test.ts',
  'platform/certificates/certificates.test.ts',
  'platform/cloudnative-pg/cloudnative-pg.test.ts',
  'platform/cloudnative-pg/failover-drill.test.ts',
  'platform/cluster-autoscaler/alerts.test.ts',
  'platform/etcd-backup/etcd-backup.test.ts',
  'platform/flux-feedback/alerts.test.ts',
  'platform/flux-feedback/flux-feedback.test.ts',
  'platform/load-balancing/load-balancing.test.ts',
  'platform/gateway/gateway.test.ts',
  'platform/kafka/alerts.test.ts',
  'platform/kafka/credentials-e2e.test.ts',
  'platform/kafka/credentials.test.ts',
  'platform/kafka/kafka.test.ts',
  'platform/log-export/alerts.test.ts',
  'platform/log-export/e2e.test.ts',
  'platform/log-export/go.test.ts',
  'platform/log-export/metrics-e2e.test.ts',
  'platform/log-export/parquet.test.ts',
  'platform/log-export/streams-e2e.test.ts',
  'platform/metrics/metrics.test.ts',
  'platform/monitoring/alertmanager.test.ts',
  'platform/monitoring/federation-e2e.test.ts',
  'platform/monitoring/federation-gateway.test.ts',
  'platform/monitoring/federation-outage.test.ts',
  'platform/monitoring/rules.test.ts',
  'platform/monitoring/tools.test.ts',
  'platform/node-termination-handler/alerts.test.ts',
  'platform/storage/storage.test.ts',
  'platform/streaming/alerts.test.ts',
  'platform/streaming/streaming-e2e.test.ts',
];

export default defineConfig({
  test: {
    exclude: ['**/node_modules/**', '**/.cache/**'],
    // vitest's default keeps a core for its main process, which on 2 cores runs one test file at a time; that process
    // idles during the run, and integration tests mostly wait for their child processes.
    maxWorkers: availableParallelism(),
    testTimeout: 180_000,
    hookTimeout: 600_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [TESTS],
          exclude: [...INTEGRATION, ...ISOLATED_PULUMI_TESTS],
          // One module graph per worker: each file re-importing cdk8s and the catalogue cost most of the tier's time.
          isolate: false,
          globalSetup: [TMPDIR_SETUP, 'generators/testing/render-modules-setup.ts'],
          setupFiles: ['generators/testing/unit-tier.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'unit-pulumi',
          include: ISOLATED_PULUMI_TESTS,
          globalSetup: [TMPDIR_SETUP, 'generators/testing/render-modules-setup.ts'],
          setupFiles: ['generators/testing/unit-tier.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include:
            process.env[WITHOUT_PROVING_GROUND] === '1' ? INTEGRATION.filter((f) => f !== PROVING_GROUND) : INTEGRATION,
          globalSetup: [TMPDIR_SETUP, 'vitest.integration-setup.ts'],
        },
      },
    ],
  },
});
