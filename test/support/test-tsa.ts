/**
 * A local RFC 3161 timestamp authority for tests, built with PKI.js: a self-signed ECDSA P-256
 * certificate with the timeStamping extended key usage, and an HTTP server on 127.0.0.1 that
 * answers TimeStampReq with a TimeStampResp whose token (CMS SignedData over TSTInfo) it signs.
 */
import { createServer, type Server } from 'node:http';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

export interface TestTsa {
  url: string;
  certificatePem: string;
  /** Requests answered so far. */
  count(): number;
  /** The time the authority puts in its next tokens (default: now). */
  setTime(t: Date | null): void;
  close(): Promise<void>;
}

type PrivateKey = Parameters<pkijs.Certificate['sign']>[0];
type PublicKey = Parameters<pkijs.PublicKeyInfo['importKey']>[0];

const ab = (b: Uint8Array): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

export async function selfSignedTsaCertificate(name: string): Promise<{ cert: pkijs.Certificate; pem: string; privateKey: PrivateKey }> {
  const keys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as unknown as { publicKey: PublicKey; privateKey: PrivateKey };
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = new asn1js.Integer({ value: Date.now() % 2 ** 31 });
  const cn = new pkijs.AttributeTypeAndValue({ type: '2.5.4.3', value: new asn1js.Utf8String({ value: name }) });
  cert.issuer.typesAndValues.push(cn);
  cert.subject.typesAndValues.push(new pkijs.AttributeTypeAndValue({ type: '2.5.4.3', value: new asn1js.Utf8String({ value: name }) }));
  cert.notBefore.value = new Date(Date.now() - 86_400_000);
  cert.notAfter.value = new Date(Date.now() + 86_400_000 * 365);
  cert.extensions = [
    new pkijs.Extension({ extnID: '2.5.29.19', critical: true, extnValue: new pkijs.BasicConstraints({ cA: true }).toSchema().toBER(false) }),
    new pkijs.Extension({ extnID: '2.5.29.37', critical: true, extnValue: new pkijs.ExtKeyUsage({ keyPurposes: ['1.3.6.1.5.5.7.3.8'] }).toSchema().toBER(false) }),
  ];
  await cert.subjectPublicKeyInfo.importKey(keys.publicKey);
  await cert.sign(keys.privateKey, 'SHA-256');
  const der = Buffer.from(cert.toSchema().toBER(false));
  const pem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`;
  return { cert, pem, privateKey: keys.privateKey };
}

export async function startTestTsa(): Promise<TestTsa> {
  const { cert, pem, privateKey } = await selfSignedTsaCertificate('flightrec test TSA');
  let answered = 0;
  let fixedTime: Date | null = null;
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
    const signed = new pkijs.SignedData({
      version: 3,
      encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: '1.2.840.113549.1.9.16.1.4', eContent: new asn1js.OctetString({ valueHex: tst.toSchema().toBER(false) }) }),
      signerInfos: [new pkijs.SignerInfo({ version: 1, sid: new pkijs.IssuerAndSerialNumber({ issuer: cert.issuer, serialNumber: cert.serialNumber }) })],
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
  return {
    url: `http://127.0.0.1:${port}/tsa`,
    certificatePem: pem,
    count: () => answered,
    setTime: (t) => {
      fixedTime = t;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
