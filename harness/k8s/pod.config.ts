// The bench config of a generator pod (`--config harness/k8s/pod.config.ts` in the Job's script):
// the project's own, without CPU pinning. The harness pins its generators away from CPU 0, where
// its own server would run; in a pod there is no server, the pod's CPUs are the generator's, and
// the node's CPU numbers (which the pinning counts from) are not the pod's cpuset.
import base from '../../bench.config.ts';
import { defineConfig } from '../config.ts';

export default defineConfig({ ...base, pin: false });
