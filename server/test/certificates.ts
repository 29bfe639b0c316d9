import { execFileSync } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Authority {
  name: string;
  certFile: string;
  keyFile: string;
}

const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A throwaway certificate authority, made with the real openssl. */
export function makeAuthority(dir: string, name: string): Authority {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  openssl('req', '-x509', ...EC_KEY, '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', `/CN=${name}`);
  return { name, certFile, keyFile };
}

/** A certificate for localhost and 127.0.0.1 signed by `authority`, as PEM text. */
export function issueServerCertificate(dir: string, authority: Authority): { cert: string; key: string } {
  const base = join(dir, `server-from-${authority.name}`);
  const extensions = `${base}.ext`;
  writeFileSync(extensions, 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl('req', ...EC_KEY, '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', '/CN=localhost');
  openssl('x509', '-req', '-in', `${base}.csr`, '-CA', authority.certFile, '-CAkey', authority.keyFile, '-CAcreateserial',
    '-out', `${base}.crt`, '-days', '1', '-extfile', extensions);
  return { cert: readFileSync(`${base}.crt`, 'utf8'), key: readFileSync(`${base}.key`, 'utf8') };
}

/** Replaces a file in one step, as a Kubernetes Secret volume update does, so no reader sees half a file. */
export function replaceFile(path: string, content: string): void {
  writeFileSync(`${path}.next`, content);
  renameSync(`${path}.next`, path);
}
