// The aws-bootstrap policy pack: `pulumi preview --policy-pack bootstrap/aws/policy` (from bootstrap/aws).
import { PolicyPack } from '@pulumi/policy';
import { policies } from './rules';

new PolicyPack('aws-bootstrap', { policies, enforcementLevel: 'mandatory' });
