// The JavaScript floor: the protocol written directly on WebCrypto and fetch, with the
// same keys (RSA-4096 OAEP-SHA256, non-extractable private key), the same envelope
// and the same checks on the answer (version, algorithm, response_mac before opening,
// tag, payload-id binding). `new Floor(router, { responseMac: false })` skips the
// response_mac check: the floor as it was before the extension, for comparisons.
const subtle = crypto.subtle;
const OAEP = { name: "RSA-OAEP" };
const MODEL = "bench-stub";
const MESSAGES = [{ role: "user", content: "Say hello in one short sentence." }];

function toBase64(bytes) {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

function fromBase64(text) {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

function toPem(der) {
  const lines = toBase64(new Uint8Array(der)).match(/.{1,64}/g).join("\n");
  return `-----BEGIN PUBLIC KEY-----\n${lines}\n-----END PUBLIC KEY-----\n`;
}

// response_mac (protocol.md): HKDF-SHA256 of the request's AES key, then HMAC-SHA256
// over the answer's nonce, ciphertext, tag and wrapped key, each framed by its length.
const LABEL = new TextEncoder().encode("nomyo-response-auth-v1");

function framed(parts) {
  const out = new Uint8Array(parts.reduce((n, part) => n + 8 + part.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const part of parts) {
    view.setBigUint64(at, BigInt(part.length));
    out.set(part, at + 8);
    at += 8 + part.length;
  }
  return out;
}

async function checkResponseMac(envelope, requestKey, payloadId) {
  if (envelope.response_mac === undefined) return; // a server without the extension
  const id = new TextEncoder().encode(payloadId);
  const info = new Uint8Array(LABEL.length + 1 + id.length);
  info.set(LABEL);
  info.set(id, LABEL.length + 1);
  const base = await subtle.importKey("raw", requestKey, "HKDF", false, ["deriveKey"]);
  const macKey = await subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info }, base,
    { name: "HMAC", hash: "SHA-256", length: 256 }, false, ["verify"]);
  const payload = envelope.encrypted_payload;
  const input = framed([payload.nonce, payload.ciphertext, payload.tag, envelope.encrypted_aes_key].map(fromBase64));
  if (!(await subtle.verify("HMAC", macKey, fromBase64(envelope.response_mac), input))) {
    throw new Error("response_mac does not verify");
  }
}

function fromPem(pem) {
  return fromBase64(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""));
}

export class Floor {
  static async create(router, { responseMac = true } = {}) {
    const floor = new Floor();
    floor.router = router;
    floor.responseMac = responseMac;
    floor.keys = await subtle.generateKey(
      { name: "RSA-OAEP", modulusLength: 4096, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      false, ["encrypt", "decrypt"]);
    floor.publicHeader = encodeURIComponent(toPem(await subtle.exportKey("spki", floor.keys.publicKey)));
    const pem = await (await fetch(`${router}/pki/public_key`)).text();
    floor.serverKey = await subtle.importKey("spki", fromPem(pem), { name: "RSA-OAEP", hash: "SHA-256" }, false, ["encrypt"]);
    await floor.calls(3); // warm-up
    return floor;
  }

  async seal(plaintext) {
    const aesKey = await subtle.generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt"]);
    const nonce = crypto.getRandomValues(new Uint8Array(12));
    const sealed = new Uint8Array(await subtle.encrypt({ name: "AES-GCM", iv: nonce }, aesKey, plaintext));
    const rawKey = await subtle.exportKey("raw", aesKey); // kept for the answer's response_mac
    const wrapped = await subtle.encrypt(OAEP, this.serverKey, rawKey);
    const body = JSON.stringify({
      version: "1.0",
      algorithm: "hybrid-aes256-rsa4096",
      encrypted_payload: {
        ciphertext: toBase64(sealed.subarray(0, sealed.length - 16)),
        nonce: toBase64(nonce),
        tag: toBase64(sealed.subarray(sealed.length - 16)),
      },
      encrypted_aes_key: toBase64(new Uint8Array(wrapped)),
      key_algorithm: "RSA-OAEP-SHA256",
      payload_algorithm: "AES-256-GCM",
    });
    return { body, rawKey };
  }

  async open(envelope, requestKey, payloadId) {
    if (envelope.version !== "1.0" || envelope.algorithm !== "hybrid-aes256-rsa4096") {
      throw new Error("downgraded envelope");
    }
    if (this.responseMac) await checkResponseMac(envelope, requestKey, payloadId);
    const payload = envelope.encrypted_payload;
    const raw = await subtle.decrypt(OAEP, this.keys.privateKey, fromBase64(envelope.encrypted_aes_key));
    const aesKey = await subtle.importKey("raw", raw, { name: "AES-GCM" }, false, ["decrypt"]);
    const ciphertext = fromBase64(payload.ciphertext);
    const tag = fromBase64(payload.tag);
    const joined = new Uint8Array(ciphertext.length + tag.length);
    joined.set(ciphertext);
    joined.set(tag, ciphertext.length);
    const plain = await subtle.decrypt({ name: "AES-GCM", iv: fromBase64(payload.nonce) }, aesKey, joined);
    return JSON.parse(new TextDecoder().decode(plain));
  }

  async call() {
    const payloadId = crypto.randomUUID();
    const { body, rawKey } = await this.seal(new TextEncoder().encode(JSON.stringify({ model: MODEL, messages: MESSAGES })));
    const answer = await fetch(`${this.router}/v1/chat/secure_completion`, {
      method: "POST",
      headers: { "Content-Type": "application/octet-stream", "X-Payload-ID": payloadId, "X-Public-Key": this.publicHeader },
      body,
    });
    if (answer.status !== 200) throw new Error(`router answered ${answer.status}`);
    const completion = await this.open(await answer.json(), rawKey, payloadId);
    if (completion._metadata?.payload_id !== payloadId) throw new Error("answer bound to another request");
    if (completion.choices[0].message.content !== MESSAGES[0].content) throw new Error("unexpected answer");
  }

  async calls(n) {
    const times = [];
    for (let i = 0; i < n; i++) {
      const began = performance.now();
      await this.call();
      times.push(performance.now() - began);
    }
    return times;
  }
}
