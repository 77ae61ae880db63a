// Where node-lifecycle controllers run: on the control planes, which are never in an Auto Scaling Group, so the node a
// controller scales in or drains is never its own, and never a Spot instance.

export const CONTROL_PLANE_LABEL = 'node-role.kubernetes.io/control-plane';

export const ON_CONTROL_PLANES = {
  nodeSelector: { [CONTROL_PLANE_LABEL]: '' },
  tolerations: [{ key: CONTROL_PLANE_LABEL, operator: 'Exists', effect: 'NoSchedule' }],
};
