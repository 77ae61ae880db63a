// How a Service asks for a load-balancer address on each kind of cluster. cdk8s-free: other components import it.

/** MetalLB (metal clusters): the annotation by which a Service asks for one address of the pool. */
export const METALLB_ADDRESS_ANNOTATION = 'metallb.io/loadBalancerIPs';

/** aws clusters: annotations by which a Service asks the AWS cloud controller manager (installed by Talos) for an NLB. */
export const AWS_NLB_ANNOTATIONS = {
  'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb',
  'service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled': 'true',
} as const;
