// Alerts on Flux's own state, read from kube-state-metrics' `gotk_resource_info` (api.ts): an applier that stays not
// ready, a source that cannot fetch. Suspended objects are left out: someone stopped them on purpose.
import type { RuleGroup } from '../../generators/telemetry';
import { APPLIER_KINDS, RESOURCE_INFO, SOURCE_KINDS } from './api';

export const ALERTS = { notReady: 'FluxReconciliationNotReady', fetchFailing: 'FluxSourceFetchFailing' } as const;
/** How long an applier may stay not ready before someone is paged; a source gets less, it blocks every applier. */
export const NOT_READY_FOR = '15m';
export const FETCH_FAILING_FOR = '10m';

const kinds = (list: readonly string[]) => `customresource_kind=~"${list.join('|')}"`;
const byObject = 'max by (customresource_kind, exported_namespace, name)';

export function fluxAlertGroups(): RuleGroup[] {
  return [
    {
      name: 'flux',
      rules: [
        {
          alert: ALERTS.notReady,
          // `ready` is "False" after a failure and "Unknown" while stuck progressing; both count.
          expr: `${byObject} (${RESOURCE_INFO}{${kinds(APPLIER_KINDS)}, ready!="True", suspended!="true"}) > 0`,
          for: NOT_READY_FOR,
          labels: { severity: 'critical' },
          annotations: {
            summary:
              '{{ $labels.customresource_kind }} {{ $labels.exported_namespace }}/{{ $labels.name }} is not ready',
            description: `Not ready for ${NOT_READY_FOR}: the merged change is not applied. \`flux get all -A\` and \`flux events\` say why.`,
          },
        },
        {
          alert: ALERTS.fetchFailing,
          expr: `${byObject} (${RESOURCE_INFO}{${kinds(SOURCE_KINDS)}, ready="False", suspended!="true"}) > 0`,
          for: FETCH_FAILING_FOR,
          labels: { severity: 'warning' },
          annotations: {
            summary:
              '{{ $labels.customresource_kind }} {{ $labels.exported_namespace }}/{{ $labels.name }} fails to fetch',
            description: `Its last fetch failed for ${FETCH_FAILING_FOR}: nothing new reaches the cluster from it (credentials, network, or a tag that is gone).`,
          },
        },
      ],
    },
  ];
}
