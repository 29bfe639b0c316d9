import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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

/**
 * A self-signed certificate for localhost valid only between two instants (`YYYYMMDDHHMMSSZ`), through `openssl ca`,
 * since `openssl req` in OpenSSL 3.0 cannot set a start date: expired and not-yet-valid certificates for the tests.
 */
export function issueCertificateValidBetween(dir: string, name: string, start: string, end: string): { cert: string; key: string } {
  const caDir = join(dir, `${name}-ca`);
  mkdirSync(caDir);
  writeFileSync(join(caDir, 'index.txt'), '');
  writeFileSync(join(caDir, 'serial'), '01\n');
  writeFileSync(
    join(caDir, 'ca.cnf'),
    '[ca]\ndefault_ca = dated\n[dated]\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\ndefault_md = sha256\n' +
      'policy = any\n[any]\ncommonName = supplied\n',
  );
  const run = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe', cwd: caDir });
  run('req', ...EC_KEY, '-keyout', 'tls.key', '-out', 'tls.csr', '-subj', '/CN=localhost');
  run('ca', '-batch', '-config', 'ca.cnf', '-selfsign', '-keyfile', 'tls.key', '-in', 'tls.csr', '-out', 'tls.crt',
    '-startdate', start, '-enddate', end);
  return { cert: readFileSync(join(caDir, 'tls.crt'), 'utf8'), key: readFileSync(join(caDir, 'tls.key'), 'utf8') };
}
