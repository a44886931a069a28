/**
 * A local RFC 3161 timestamp authority for tests, built with PKI.js: an ECDSA P-256 certificate with
 * the timeStamping extended key usage — self-signed, or issued by a test CA — and an HTTP server on
 * 127.0.0.1 that answers TimeStampReq with a TimeStampResp whose token (CMS SignedData over
 * TSTInfo) it signs with the signed attributes RFC 3161 asks for: content type, message digest and
 * the signing-certificate attribute (ESSCertIDv2 by default; ESSCertID, none, or naming another
 * certificate on request). With a CA it also issues CRLs that revoke the authority's certificate.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

/** What the next tokens carry as their signing-certificate attribute. */
export type EssMode = { version: 1 | 2; cert?: pkijs.Certificate; withIssuerSerial?: boolean } | 'none';

export interface TestTsa {
  url: string;
  /** The authority's own certificate. */
  certificatePem: string;
  /** The CA's certificate ({ ca: true }), else the authority's own. */
  anchorPem: string;
  /** Requests answered so far. */
  count(): number;
  /** The time the authority puts in its next tokens (default: now). */
  setTime(t: Date | null): void;
  /** The signing-certificate attribute of the next tokens (default: ESSCertIDv2 of its own certificate). */
  setEss(mode: EssMode | null): void;
  /** A PEM CRL by the authority certificate's issuer, revoking it as given (none: an empty CRL). */
  crl(opts?: { revokedAt?: Date; reason?: number; thisUpdate?: Date; signedBy?: 'issuer' | 'stranger' }): Promise<string>;
  close(): Promise<void>;
}

type PrivateKey = Parameters<pkijs.Certificate['sign']>[0];
type PublicKey = Parameters<pkijs.PublicKeyInfo['importKey']>[0];

const ab = (b: Uint8Array): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
const pemOf = (label: string, der: ArrayBuffer): string => `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END ${label}-----\n`;
let serials = Date.now() % 2 ** 30;

interface Issued { cert: pkijs.Certificate; pem: string; privateKey: PrivateKey }

async function issue(name: string, purpose: 'tsa' | 'ca', issuer?: Issued): Promise<Issued> {
  const keys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as unknown as { publicKey: PublicKey; privateKey: PrivateKey };
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = new asn1js.Integer({ value: ++serials });
  cert.subject.typesAndValues.push(new pkijs.AttributeTypeAndValue({ type: '2.5.4.3', value: new asn1js.Utf8String({ value: name }) }));
  cert.issuer = issuer ? issuer.cert.subject : cert.subject;
  cert.notBefore.value = new Date(Date.now() - 86_400_000);
  cert.notAfter.value = new Date(Date.now() + 86_400_000 * 365);
  cert.extensions = [
    new pkijs.Extension({ extnID: '2.5.29.19', critical: true, extnValue: new pkijs.BasicConstraints({ cA: purpose === 'ca' || !issuer }).toSchema().toBER(false) }),
    ...(purpose === 'tsa' ? [new pkijs.Extension({ extnID: '2.5.29.37', critical: true, extnValue: new pkijs.ExtKeyUsage({ keyPurposes: ['1.3.6.1.5.5.7.3.8'] }).toSchema().toBER(false) })] : []),
  ];
  await cert.subjectPublicKeyInfo.importKey(keys.publicKey);
  await cert.sign(issuer?.privateKey ?? keys.privateKey, 'SHA-256');
  return { cert, pem: pemOf('CERTIFICATE', cert.toSchema().toBER(false)), privateKey: keys.privateKey };
}

export async function selfSignedTsaCertificate(name: string): Promise<Issued> {
  return issue(name, 'tsa');
}

function essAttribute(mode: Exclude<EssMode, 'none'>, signer: pkijs.Certificate): pkijs.Attribute {
  const named = mode.cert ?? signer;
  const der = Buffer.from(named.toSchema().toBER(false));
  const issuerSerial = mode.withIssuerSerial
    ? [new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 4 }, value: [named.issuer.toSchema()] })] }), new asn1js.Integer({ valueHex: named.serialNumber.valueBlock.valueHexView.slice().buffer })] })]
    : [];
  const id = mode.version === 2
    ? new asn1js.Sequence({ value: [new asn1js.OctetString({ valueHex: ab(createHash('sha256').update(der).digest()) }), ...issuerSerial] }) // hashAlgorithm: the SHA-256 default
    : new asn1js.Sequence({ value: [new asn1js.OctetString({ valueHex: ab(createHash('sha1').update(der).digest()) }), ...issuerSerial] });
  return new pkijs.Attribute({
    type: mode.version === 2 ? '1.2.840.113549.1.9.16.2.47' : '1.2.840.113549.1.9.16.2.12',
    values: [new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [id] })] })],
  });
}

export async function startTestTsa(opts: { ca?: boolean } = {}): Promise<TestTsa> {
  const ca = opts.ca ? await issue('flightrec test CA', 'ca') : undefined;
  const tsa = await issue('flightrec test TSA', 'tsa', ca);
  const { cert, pem, privateKey } = tsa;
  let answered = 0;
  let fixedTime: Date | null = null;
  let ess: EssMode = { version: 2 };
  let serial = 1;
  const respond = async (body: Buffer): Promise<Buffer> => {
    const req = pkijs.TimeStampReq.fromBER(ab(body));
    const tst = new pkijs.TSTInfo({
      version: 1,
      policy: '1.3.6.1.4.1.99999.1',
      messageImprint: req.messageImprint,
      serialNumber: new asn1js.Integer({ value: serial++ }),
      genTime: fixedTime ?? new Date(),
      accuracy: new pkijs.Accuracy({ seconds: 1 }),
      ...(req.nonce ? { nonce: req.nonce } : {}),
    });
    const tstDer = tst.toSchema().toBER(false);
    const attributes = [
      new pkijs.Attribute({ type: '1.2.840.113549.1.9.3', values: [new asn1js.ObjectIdentifier({ value: '1.2.840.113549.1.9.16.1.4' })] }),
      new pkijs.Attribute({ type: '1.2.840.113549.1.9.4', values: [new asn1js.OctetString({ valueHex: ab(createHash('sha256').update(Buffer.from(tstDer)).digest()) })] }),
      ...(ess === 'none' ? [] : [essAttribute(ess, cert)]),
    ];
    const signed = new pkijs.SignedData({
      version: 3,
      encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: '1.2.840.113549.1.9.16.1.4', eContent: new asn1js.OctetString({ valueHex: tstDer }) }),
      signerInfos: [new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({ issuer: cert.issuer, serialNumber: cert.serialNumber }),
        signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes }),
      })],
      certificates: req.certReq ? [cert] : undefined,
    });
    await signed.sign(privateKey, 0, 'SHA-256');
    const token = new pkijs.ContentInfo({ contentType: '1.2.840.113549.1.7.2', content: signed.toSchema(true) });
    const resp = new pkijs.TimeStampResp({ status: new pkijs.PKIStatusInfo({ status: 0 }), timeStampToken: token });
    return Buffer.from(resp.toSchema().toBER(false));
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      respond(Buffer.concat(chunks)).then(
        (der) => {
          answered++;
          res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(der);
        },
        () => res.writeHead(400).end(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const issuer = ca ?? tsa;
  return {
    url: `http://127.0.0.1:${port}/tsa`,
    certificatePem: pem,
    anchorPem: issuer.pem,
    count: () => answered,
    setTime: (t) => {
      fixedTime = t;
    },
    setEss: (mode) => {
      ess = mode ?? { version: 2 };
    },
    crl: async (o = {}) => {
      const crl = new pkijs.CertificateRevocationList();
      crl.version = 1;
      crl.issuer = issuer.cert.subject;
      crl.thisUpdate = new pkijs.Time({ type: 0, value: o.thisUpdate ?? new Date() });
      if (o.revokedAt) {
        crl.revokedCertificates = [new pkijs.RevokedCertificate({
          userCertificate: cert.serialNumber,
          revocationDate: new pkijs.Time({ type: 0, value: o.revokedAt }),
          ...(o.reason !== undefined && {
            crlEntryExtensions: new pkijs.Extensions({ extensions: [new pkijs.Extension({ extnID: '2.5.29.21', extnValue: new asn1js.Enumerated({ value: o.reason }).toBER(false) })] }),
          }),
        })];
      }
      const signer = o.signedBy === 'stranger' ? (await issue('flightrec test CA', 'ca')).privateKey : issuer.privateKey;
      await crl.sign(signer, 'SHA-256');
      return pemOf('X509 CRL', crl.toSchema(true).toBER(false));
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
