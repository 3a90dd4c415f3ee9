/**
 * Test-only Alipay certificates, made with `openssl` at test time (never checked in): a root CA
 * (an RSA root plus an EC root in one file, as Alipay's alipayRootCert.crt holds more than one
 * root), the app's public-key certificate and "Alipay's" public-key certificate, both issued by the
 * RSA root — and their serial numbers (SNs) computed the way Alipay does, independently of the SDK:
 * md5 of the issuer DN (its attributes in reverse order, `CN=…,OU=…,O=…,C=…`) followed by the
 * serial number in decimal; the root SN is the SNs of the RSA certificates in the root file joined
 * with `_`.
 */
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface AlipayCertificates {
  appPrivateKey: string;
  appCert: string;
  alipayPrivateKey: string;
  alipayPublicCert: string;
  alipayRootCert: string;
  appCertSn: string;
  alipayCertSn: string;
  alipayRootCertSn: string;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Alipay's certificate SN: md5(issuer DN reversed, comma-joined + serial in decimal). */
export function certSn(pem: string): string {
  const certificate = new X509Certificate(pem);
  const issuer = certificate.issuer.split('\n').reverse().join(',');
  const serial = BigInt(`0x${certificate.serialNumber}`).toString(10);
  return createHash('md5')
    .update(issuer + serial, 'utf8')
    .digest('hex');
}

/** The root SN: the SNs of the RSA certificates of the root file, joined with `_`. */
export function rootCertSn(pems: string): string {
  return (pems.match(PEM_BLOCK) ?? [])
    .filter((pem) => new X509Certificate(pem).publicKey.asymmetricKeyType === 'rsa')
    .map(certSn)
    .join('_');
}

const openssl = (dir: string, ...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });

export function makeAlipayCertificates(appId = '2021000000000001'): AlipayCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'alipay-certs-'));
  try {
    const read = (name: string) => readFileSync(join(dir, name), 'utf8');
    openssl(
      dir,
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'root.key',
      '-out',
      'root.crt',
      '-days',
      '30',
      '-subj',
      '/C=CN/O=Ant Financial Test/OU=Certification Authority/CN=Ant Financial Certification Authority R1 Test',
    );
    openssl(
      dir,
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      'ec.key',
      '-out',
      'ec.crt',
      '-days',
      '30',
      '-subj',
      '/C=CN/O=Ant Financial Test/CN=Ant Financial Certification Authority E1 Test',
    );
    const issue = (name: string, subject: string) => {
      openssl(dir, 'genrsa', '-traditional', '-out', `${name}.key`, '2048');
      openssl(dir, 'req', '-new', '-key', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
      // A large random serial, as Alipay's are: its decimal form is what the SN hashes.
      openssl(
        dir,
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'root.crt',
        '-CAkey',
        'root.key',
        '-set_serial',
        `0x${randomBytes(16).toString('hex').replace(/^0/, '1')}`,
        '-days',
        '30',
        '-out',
        `${name}.crt`,
      );
      return { key: read(`${name}.key`), cert: read(`${name}.crt`) };
    };
    const app = issue('app', `/C=CN/O=Baozhang Test/OU=Alipay/CN=${appId}`);
    const alipay = issue('alipay', '/C=CN/O=Alipay Test/OU=Alipay/CN=Alipay Public Key RSA2 Test');
    const alipayRootCert = `${read('root.crt')}${read('ec.crt')}`;
    return {
      appPrivateKey: app.key,
      appCert: app.cert,
      alipayPrivateKey: alipay.key,
      alipayPublicCert: alipay.cert,
      alipayRootCert,
      appCertSn: certSn(app.cert),
      alipayCertSn: certSn(alipay.cert),
      alipayRootCertSn: rootCertSn(alipayRootCert),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
