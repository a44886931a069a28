/**
 * RFC 3161 trusted timestamps of an export: the timestamp authority (TSA) signs the SHA-256 of the
 * export's manifest.json bytes with the time it saw them, so the export provably existed then —
 * which neither the exporter's own clock (`created_at`) nor its own key can prove. The token is
 * kept beside the manifest as `manifest.tsr` (a DER TimeStampToken: CMS SignedData over TSTInfo)
 * and checked offline against the TSA's certificate.
 *
 * ASN.1 and CMS through PKI.js (`pkijs`, with `asn1js`): parsing and checking CMS signatures by hand
 * would be the kind of code that should come from a well-kept library.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

export const TIMESTAMP_FILE = 'manifest.tsr';
const SHA256_OID = '2.16.840.1.101.3.4.2.1';
const TST_INFO_OID = '1.2.840.113549.1.9.16.1.4';
const SIGNED_DATA_OID = '1.2.840.113549.1.7.2';
/** A token larger than this is not a timestamp token (certificates included, they are a few KiB). */
export const MAX_TOKEN_BYTES = 64 << 10;

export class TimestampError extends Error {}

function arrayBuffer(b: Uint8Array): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** A DER TimeStampReq for the SHA-256 of `data`, asking for the TSA's certificate, with a fresh nonce. */
export function timestampRequest(data: Uint8Array): { der: Buffer; nonce: Buffer } {
  const nonce = randomBytes(8);
  nonce[0]! &= 0x7f; // a positive INTEGER
  const req = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: SHA256_OID }),
      hashedMessage: new asn1js.OctetString({ valueHex: arrayBuffer(createHash('sha256').update(data).digest()) }),
    }),
    nonce: new asn1js.Integer({ valueHex: arrayBuffer(nonce) }),
    certReq: true,
  });
  return { der: Buffer.from(req.toSchema().toBER()), nonce };
}

/** The token out of a DER TimeStampResp: granted (status 0 or 1) and answering our nonce. */
export function tokenFromResponse(respDer: Uint8Array, nonce: Buffer): Buffer {
  let resp: pkijs.TimeStampResp;
  try {
    resp = pkijs.TimeStampResp.fromBER(arrayBuffer(respDer));
  } catch (err) {
    throw new TimestampError(`the timestamp authority's answer is not a TimeStampResp (${(err as Error).message})`);
  }
  const status = resp.status.status;
  if (status !== 0 && status !== 1) throw new TimestampError(`the timestamp authority refused the request (PKIStatus ${status}${resp.status.statusStrings ? `: ${resp.status.statusStrings.map((s) => s.valueBlock.value).join('; ')}` : ''})`);
  if (!resp.timeStampToken) throw new TimestampError('the timestamp authority granted the request but sent no token');
  const tst = tstInfoOf(resp.timeStampToken);
  const got = tst.nonce ? Buffer.from(tst.nonce.valueBlock.valueHexView) : null;
  if (!got || !got.equals(nonce)) throw new TimestampError('the timestamp token does not answer this request (nonce differs)');
  return Buffer.from(resp.timeStampToken.toSchema().toBER());
}

function tstInfoOf(token: pkijs.ContentInfo): pkijs.TSTInfo {
  if (token.contentType !== SIGNED_DATA_OID) throw new TimestampError('the token is not CMS SignedData');
  const signed = new pkijs.SignedData({ schema: token.content });
  if (signed.encapContentInfo.eContentType !== TST_INFO_OID || !signed.encapContentInfo.eContent) throw new TimestampError('the token does not hold a TSTInfo');
  return pkijs.TSTInfo.fromBER(signed.encapContentInfo.eContent.getValue());
}

/** Asks the TSA at `url` (HTTP POST, application/timestamp-query) to timestamp `data`; returns the DER token. */
export async function requestTimestamp(url: string, data: Uint8Array, timeoutMs = 30_000): Promise<Buffer> {
  const { der, nonce } = timestampRequest(data);
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/timestamp-query' }, body: der, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new TimestampError(`cannot reach the timestamp authority ${url}: ${(err as Error).message}`);
  }
  if (!res.ok) throw new TimestampError(`the timestamp authority ${url} answered HTTP ${res.status}`);
  const body = Buffer.from(await res.arrayBuffer());
  if (body.length > MAX_TOKEN_BYTES) throw new TimestampError(`the timestamp authority's answer is ${body.length} bytes: not a timestamp response`);
  return tokenFromResponse(body, nonce);
}

export function certificateFromPem(pem: string): pkijs.Certificate {
  return certificatesFromPem(pem)[0]!;
}

/** Every certificate of a PEM file (the authority's and its issuer's, for a revocation check). */
export function certificatesFromPem(pem: string): pkijs.Certificate[] {
  const blocks = [...pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/g)];
  if (blocks.length === 0) throw new TimestampError('not a PEM certificate');
  return blocks.map((m) => pkijs.Certificate.fromBER(arrayBuffer(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'))));
}

export type TimestampCheck = { ok: true; genTime: Date; serial: string } | { ok: false; why: string; revoked?: boolean };

/** CRLs, PEM (one or more `X509 CRL` blocks) or one DER CRL. */
export function crlsFromFile(bytes: Buffer): pkijs.CertificateRevocationList[] {
  const text = bytes.toString('latin1');
  const blocks = [...text.matchAll(/-----BEGIN X509 CRL-----([\s\S]+?)-----END X509 CRL-----/g)].map((m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
  if (blocks.length === 0 && /-----BEGIN /.test(text)) throw new TimestampError('not a CRL (PEM without an X509 CRL block)');
  try {
    return (blocks.length > 0 ? blocks : [bytes]).map((der) => pkijs.CertificateRevocationList.fromBER(arrayBuffer(der)));
  } catch (err) {
    throw new TimestampError(`not a CRL (${(err as Error).message})`);
  }
}

export interface TimestampCheckOptions {
  /**
   * CRLs of the authority certificate's issuer: the token is refused if its signing certificate was
   * revoked before the token's time (or at any time for a key or CA compromise), and when no CRL
   * given can say so (signed by the issuer, issued after the token's time).
   */
  crls?: pkijs.CertificateRevocationList[];
}

/**
 * Checks a token against the data it should timestamp and the TSA certificate the auditor trusts:
 * the CMS signature, by a certificate that chains to `trusted` (a token signed by anyone else,
 * certificate enclosed, does not pass), the message imprint = SHA-256(data), the signing-certificate
 * attribute (it must name the certificate that signed), and revocation when CRLs are given.
 */
export async function checkTimestamp(tokenDer: Uint8Array, data: Uint8Array, trusted: pkijs.Certificate[], opts: TimestampCheckOptions = {}): Promise<TimestampCheck> {
  try {
    const token = pkijs.ContentInfo.fromBER(arrayBuffer(tokenDer));
    const tst = tstInfoOf(token);
    if (tst.messageImprint.hashAlgorithm.algorithmId !== SHA256_OID) return { ok: false, why: `the token hashes with ${tst.messageImprint.hashAlgorithm.algorithmId}, not SHA-256` };
    const signed = new pkijs.SignedData({ schema: token.content });
    const r = await signed.verify({ signer: 0, data: arrayBuffer(data), trustedCerts: trusted, checkChain: true, extendedMode: true });
    if (!r.signatureVerified) return { ok: false, why: r.message || 'the token signature does not verify' };
    const signer = r.signerCertificate;
    if (!signer) return { ok: false, why: 'the token names no signing certificate that could be found' };
    const ess = checkSigningCertificateAttribute(signed.signerInfos[0]!, signer);
    if (ess) return { ok: false, why: ess };
    if (opts.crls) {
      const candidates = [...trusted, ...((signed.certificates ?? []).filter((c) => c instanceof pkijs.Certificate) as pkijs.Certificate[])];
      const revoked = await checkRevocation(signer, tst.genTime, opts.crls, candidates);
      if (revoked) return { ok: false, why: revoked.why, revoked: revoked.revoked };
    }
    return { ok: true, genTime: tst.genTime, serial: Buffer.from(tst.serialNumber.valueBlock.valueHexView).toString('hex') };
  } catch (err) {
    const e = err as { message?: string };
    return { ok: false, why: e.message ?? String(err) };
  }
}

const SIGNING_CERTIFICATE_OID = '1.2.840.113549.1.9.16.2.12'; // RFC 2634 ESSCertID (SHA-1)
const SIGNING_CERTIFICATE_V2_OID = '1.2.840.113549.1.9.16.2.47'; // RFC 5035 ESSCertIDv2
const HASH_NAMES: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1', [SHA256_OID]: 'sha256', '2.16.840.1.101.3.4.2.2': 'sha384', '2.16.840.1.101.3.4.2.3': 'sha512',
};

function der(cert: pkijs.Certificate): Buffer {
  return Buffer.from(cert.toSchema().toBER(false));
}

/**
 * RFC 3161 §2.4.1 (and RFC 5816): the token's SignerInfo must carry a signed signing-certificate
 * attribute whose first ESSCertID / ESSCertIDv2 is the hash of the certificate that signed it —
 * what binds the token to that certificate rather than to any with the same key. pkijs has no
 * class for these attributes, so they are read with asn1js (RFC 5035's ASN.1 is short). Returns why
 * the check fails, or null.
 */
function checkSigningCertificateAttribute(info: pkijs.SignerInfo, signer: pkijs.Certificate): string | null {
  const attrs = info.signedAttrs?.attributes ?? [];
  const v2 = attrs.find((a) => a.type === SIGNING_CERTIFICATE_V2_OID);
  const v1 = attrs.find((a) => a.type === SIGNING_CERTIFICATE_OID);
  const attr = v2 ?? v1;
  if (!attr) return 'the token has no signing-certificate attribute (ESSCertID or ESSCertIDv2, RFC 3161 §2.4.1): nothing binds it to the authority certificate';
  const certs = (attr.values[0] as asn1js.Sequence | undefined)?.valueBlock.value[0];
  const first = certs instanceof asn1js.Sequence ? certs.valueBlock.value[0] : undefined;
  if (!(first instanceof asn1js.Sequence)) return 'the token\'s signing-certificate attribute is malformed';
  const parts = first.valueBlock.value;
  let at = 0;
  let hashName = v2 ? 'sha256' : 'sha1';
  if (v2 && parts[0] instanceof asn1js.Sequence) {
    const oid = parts[0].valueBlock.value[0];
    const name = oid instanceof asn1js.ObjectIdentifier ? HASH_NAMES[oid.valueBlock.toString()] : undefined;
    if (!name) return 'the token\'s signing-certificate attribute uses an unknown hash algorithm';
    hashName = name;
    at = 1;
  }
  const hash = parts[at];
  if (!(hash instanceof asn1js.OctetString)) return 'the token\'s signing-certificate attribute is malformed';
  const want = createHash(hashName).update(der(signer)).digest();
  if (!want.equals(Buffer.from(hash.valueBlock.valueHexView))) {
    return `the token's signing-certificate attribute (${v2 ? 'ESSCertIDv2' : 'ESSCertID'}) names another certificate than the one that signed it`;
  }
  const issuerSerial = parts[at + 1];
  if (issuerSerial instanceof asn1js.Sequence) {
    const serial = issuerSerial.valueBlock.value[1];
    if (!(serial instanceof asn1js.Integer) || !Buffer.from(serial.valueBlock.valueHexView).equals(Buffer.from(signer.serialNumber.valueBlock.valueHexView))) {
      return 'the token\'s signing-certificate attribute names another serial number than the signing certificate\'s';
    }
  }
  return null;
}

const CRL_REASON_OID = '2.5.29.21';
/** CRLReason values after which no token by the key can be trusted, whatever its time: it could have been made later and backdated. */
const COMPROMISE_REASONS = new Map([[1, 'keyCompromise'], [2, 'cACompromise']]);

/** Why the signing certificate counts as revoked for a token of genTime, or why no CRL given can tell; null if it is not revoked. */
async function checkRevocation(signer: pkijs.Certificate, genTime: Date, crls: pkijs.CertificateRevocationList[], candidates: pkijs.Certificate[]): Promise<{ why: string; revoked: boolean } | null> {
  // The issuer's certificate: a candidate with the issuer's name whose key verifies the signer's certificate.
  let issuer: pkijs.Certificate | null = null;
  for (const c of candidates) {
    if (c.subject.isEqual(signer.issuer) && (await signer.verify(c).catch(() => false))) {
      issuer = c;
      break;
    }
  }
  if (!issuer) return { why: 'the issuer of the authority certificate is not among the certificates given: its CRL cannot be checked', revoked: false };
  const usable: pkijs.CertificateRevocationList[] = [];
  for (const crl of crls) {
    if (crl.issuer.isEqual(signer.issuer) && (await crl.verify({ issuerCertificate: issuer }).catch(() => false))) usable.push(crl);
  }
  if (usable.length === 0) return { why: 'no CRL given is signed by the authority certificate\'s issuer', revoked: false };
  const serial = Buffer.from(signer.serialNumber.valueBlock.valueHexView);
  for (const crl of usable) {
    for (const entry of crl.revokedCertificates ?? []) {
      if (!Buffer.from(entry.userCertificate.valueBlock.valueHexView).equals(serial)) continue;
      const when = entry.revocationDate.value;
      const reasonExt = entry.crlEntryExtensions?.extensions.find((e) => e.extnID === CRL_REASON_OID);
      const code = reasonExt ? asn1js.fromBER(reasonExt.extnValue.valueBlock.valueHexView).result : null;
      const reason = code instanceof asn1js.Enumerated ? code.valueBlock.valueDec : null;
      if (reason !== null && COMPROMISE_REASONS.has(reason)) {
        return { why: `the authority certificate was revoked at ${when.toISOString()} for ${COMPROMISE_REASONS.get(reason)}: a token by that key proves no time, it could have been backdated`, revoked: true };
      }
      if (when.getTime() <= genTime.getTime()) return { why: `the authority certificate was revoked at ${when.toISOString()}, before the token's time ${genTime.toISOString()}`, revoked: true };
    }
  }
  // A CRL issued before the token's time cannot show the certificate was not revoked by then.
  if (!usable.some((c) => c.thisUpdate.value.getTime() >= genTime.getTime())) {
    return { why: `every CRL given was issued before the token's time ${genTime.toISOString()}: they cannot show the authority certificate was not revoked by then`, revoked: false };
  }
  return null;
}
