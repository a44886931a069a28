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
  const m = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem);
  if (!m) throw new TimestampError('not a PEM certificate');
  return pkijs.Certificate.fromBER(arrayBuffer(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64')));
}

export type TimestampCheck = { ok: true; genTime: Date; serial: string } | { ok: false; why: string };

/**
 * Checks a token against the data it should timestamp and the TSA certificate the auditor trusts:
 * the CMS signature, by a certificate that chains to `trusted` (a token signed by anyone else,
 * certificate enclosed, does not pass), and the message imprint = SHA-256(data).
 */
export async function checkTimestamp(tokenDer: Uint8Array, data: Uint8Array, trusted: pkijs.Certificate[]): Promise<TimestampCheck> {
  try {
    const token = pkijs.ContentInfo.fromBER(arrayBuffer(tokenDer));
    const tst = tstInfoOf(token);
    if (tst.messageImprint.hashAlgorithm.algorithmId !== SHA256_OID) return { ok: false, why: `the token hashes with ${tst.messageImprint.hashAlgorithm.algorithmId}, not SHA-256` };
    const signed = new pkijs.SignedData({ schema: token.content });
    const r = await signed.verify({ signer: 0, data: arrayBuffer(data), trustedCerts: trusted, checkChain: true, extendedMode: true });
    if (!r.signatureVerified) return { ok: false, why: r.message || 'the token signature does not verify' };
    return { ok: true, genTime: tst.genTime, serial: Buffer.from(tst.serialNumber.valueBlock.valueHexView).toString('hex') };
  } catch (err) {
    const e = err as { message?: string };
    return { ok: false, why: e.message ?? String(err) };
  }
}
