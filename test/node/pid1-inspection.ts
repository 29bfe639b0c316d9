import { kubectl } from '../cluster/kube-test-env.js';

/** Reads, from inside the container, what the kernel says about PID 1, and whether / takes a write. */
const INSPECT = `const status = require('fs').readFileSync('/proc/1/status', 'utf8');
const field = (name) => status.split('\\n').find((line) => line.startsWith(name + ':')).split(/\\s+/).slice(1).join(' ');
let write; try { require('fs').writeFileSync('/written-by-test', 'x'); write = 'ok'; } catch (error) { write = error.code; }
const command = require('fs').readFileSync('/proc/1/cmdline', 'utf8').split('\\0')[0];
console.log(JSON.stringify({ command, uid: field('Uid'), gid: field('Gid'), capEff: field('CapEff'), capBnd: field('CapBnd'), write }));`;

export interface Pid1 {
  command: string;
  uid: string;
  gid: string;
  capEff: string;
  capBnd: string;
  /** 'ok' when a file could be written at /, else the error code. */
  write: string;
}

/** What PID 1 of the pod's container runs as, seen with the image's own node (there is no shell to exec). */
export function inspectPid1(namespace: string, pod: string): Pid1 {
  return JSON.parse(kubectl(['exec', '-n', namespace, pod, '--', '/nodejs/bin/node', '-e', INSPECT])) as Pid1;
}

/** As the Dockerfiles promise and the chart asks: node itself as PID 1, user 65532, no capability at all, a root filesystem that refuses writes. */
export const RESTRICTED_PID1: Pid1 = {
  command: '/nodejs/bin/node',
  uid: '65532 65532 65532 65532',
  gid: '65532 65532 65532 65532',
  capEff: '0000000000000000',
  capBnd: '0000000000000000',
  write: 'EROFS',
};

/** Sends SIGTERM to PID 1 from inside the container. */
export function terminatePid1(namespace: string, pod: string): void {
  kubectl(['exec', '-n', namespace, pod, '--', '/nodejs/bin/node', '-e', "process.kill(1, 'SIGTERM')"]);
}
