/**
 * Ed25519 signing keys for audit exports, with node:crypto only. The private key stays with the
 * exporter (PEM, PKCS#8, file mode 0600); the public key (PEM, SPKI) goes to the auditor.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PRIVATE_KEY_FILE = 'flightrec-audit.key.pem';
export const PUBLIC_KEY_FILE = 'flightrec-audit.pub.pem';

export class KeyError extends Error {}

/** `sha256:<hex>` of the DER-encoded SubjectPublicKeyInfo: names a key without revealing anything secret. */
export function fingerprint(publicKey: KeyObject): string {
  return 'sha256:' + createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}

export interface GeneratedKeys {
  privateKeyPath: string;
  publicKeyPath: string;
  fingerprint: string;
}

export function generateKeys(dir: string): GeneratedKeys {
  mkdirSync(dir, { recursive: true });
  const privateKeyPath = join(dir, PRIVATE_KEY_FILE);
  const publicKeyPath = join(dir, PUBLIC_KEY_FILE);
  for (const p of [privateKeyPath, publicKeyPath]) {
    if (existsSync(p)) throw new KeyError(`${p} already exists; refusing to overwrite a signing key (move it away first)`);
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  // 'wx' fails if the file appeared meanwhile; mode applies on creation, so the key is never world-readable.
  writeFileSync(privateKeyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  writeFileSync(publicKeyPath, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644, flag: 'wx' });
  return { privateKeyPath, publicKeyPath, fingerprint: fingerprint(publicKey) };
}

function readPem(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new KeyError(`cannot read the ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export function loadPrivateKey(path: string): KeyObject {
  const pem = readPem(path, 'private key');
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new KeyError(`${path} is not a PEM private key (create one with \`flightrec keys --out DIR\`)`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new KeyError(`${path} is a ${key.asymmetricKeyType} key; audit exports are signed with Ed25519`);
  return key;
}

/** Accepts a public key PEM, or a private key PEM (its public half is used). */
export function loadPublicKey(path: string): KeyObject {
  const pem = readPem(path, 'public key');
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new KeyError(`${path} is not a PEM public key (the exporter's ${PUBLIC_KEY_FILE})`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new KeyError(`${path} is a ${key.asymmetricKeyType} key; audit exports are signed with Ed25519`);
  return key;
}

export function publicKeyOf(privateKey: KeyObject): KeyObject {
  return createPublicKey(privateKey);
}

export function signBytes(privateKey: KeyObject, data: Uint8Array): Buffer {
  return sign(null, data, privateKey);
}

export function verifyBytes(publicKey: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify(null, data, publicKey, signature);
  } catch {
    return false;
  }
}
