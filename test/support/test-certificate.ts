import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A throwaway self-signed certificate (P-256, one day), for fake TLS servers
 * in tests: for 127.0.0.1 by default, or for the DNS name `dnsName`. The PEM
 * files are read and removed at once.
 */
export function createTestCertificate(dnsName?: string): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mailgate-test-cert-'));
  try {
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        ...[
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-days',
          '1',
        ],
        ...(dnsName === undefined
          ? ['-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1']
          : ['-subj', `/CN=${dnsName}`, '-addext', `subjectAltName=DNS:${dnsName}`]),
        ...['-keyout', keyFile, '-out', certFile],
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
