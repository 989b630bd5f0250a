import { GLANCE_POLICY_DEFAULTS, renderSamplePolicy } from '@glance-ts/policy';

/** Prints the default policy as commented YAML, like `oslopolicy-sample-generator --namespace glance`. */
process.stdout.write(renderSamplePolicy(GLANCE_POLICY_DEFAULTS));
