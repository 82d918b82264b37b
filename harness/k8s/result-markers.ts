// The lines around a generator pod's result in its log (issue 16, item 4): the pod prints its
// result JSON between them on stdout, so `kubectl logs` carries it and `npm run k8s -- collect`
// finds it among the bench's own output. One definition for the writer (the pod's shell script,
// harness/k8s/manifests.ts) and the reader (harness/k8s/collect.ts).

const PREFIX = '===== protocol-bench result';

/** The shell text of the begin line; INDEX, COUNT and RC are shell expressions the script fills in. */
export function beginLine(index: string, count: string, rc: string): string {
  return `${PREFIX} shard ${index}/${count} exit ${rc} begin =====`;
}

export function endLine(index: string, count: string): string {
  return `${PREFIX} shard ${index}/${count} end =====`;
}

export const BEGIN_RE = /^===== protocol-bench result shard (\d+)\/(\d+) exit (\d+) begin =====$/;
export const END_RE = /^===== protocol-bench result shard (\d+)\/(\d+) end =====$/;
