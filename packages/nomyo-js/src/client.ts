/**
 * SecureChatCompletion: OpenAI's chat-completion shape, end-to-end encrypted.
 * Composes the parts: options → keys → server key → seal → transport → open.
 */
import { seal, serializeEnvelope } from './crypto/seal.js';
import { wipe } from './crypto/wipe.js';
import { ClientDisposedError, InvalidRequestError, SecurityError } from './errors.js';
import { KeyManager } from './keys/key-manager.js';
import { keyDirSupported } from './keys/node-store-loader.js';
import { silentLogger, type Logger } from './logger.js';
import { openResponse } from './open-response.js';
import {
  assertNonNegativeInteger,
  DEFAULT_BASE_URL,
  DEFAULT_KEY_ROTATION_MS,
  DEFAULT_TIMEOUT_MS,
  normalizeBaseUrl,
  readEnv,
  type RequestOptions,
  type SecureChatCompletionOptions,
} from './options.js';
import {
  ENVELOPE_CONTENT_TYPE,
  encodePublicKeyHeader,
  HEADER_PAYLOAD_ID,
  HEADER_PUBLIC_KEY,
  HEADER_SECURITY_TIER,
  PATH_SECURE_COMPLETION,
} from './protocol/headers.js';
import { MAX_PLAINTEXT_BYTES } from './protocol/limits.js';
import { isSecurityTier, SECURITY_TIERS } from './protocol/tiers.js';
import { normalizeFingerprint, ServerKeyCache } from './server-key.js';
import { DEFAULT_MAX_RETRIES } from './transport/retry.js';
import { send } from './transport/send.js';
import type { ChatCompletion, ChatCompletionCreateParams } from './types.js';

const HTTP_WARNING =
  'nomyo-js: allowHttp is enabled and baseUrl uses plain HTTP. The server public key is fetched ' +
  'without authentication, so a man-in-the-middle can read your prompts. Use this only for local development.';

function serializeRequest(request: object): string {
  try {
    return JSON.stringify(request);
  } catch (cause) {
    throw new InvalidRequestError('Request parameters must be JSON-serialisable (no BigInt, no cycles)', { cause });
  }
}

/** Browsers expose crypto.subtle only in secure contexts; say so instead of failing later with a TypeError. */
function assertWebCrypto(): void {
  const webCrypto = (globalThis as { crypto?: Partial<Crypto> }).crypto;
  if (typeof webCrypto?.subtle?.encrypt !== 'function' || typeof webCrypto.randomUUID !== 'function') {
    throw new SecurityError(
      'WebCrypto (crypto.subtle) is not available here. Browsers provide it only in secure contexts: https:// pages or http://localhost.',
    );
  }
}

function validateParams(params: ChatCompletionCreateParams): void {
  if (typeof params !== 'object' || params === null) throw new InvalidRequestError('create() expects a parameters object');
  if (typeof params.model !== 'string' || params.model.length === 0) throw new InvalidRequestError('model must be a non-empty string');
  if (!Array.isArray(params.messages)) throw new InvalidRequestError('messages must be an array');
  if (params.security_tier !== undefined && !isSecurityTier(params.security_tier)) {
    throw new InvalidRequestError(`security_tier must be one of: ${SECURITY_TIERS.join(', ')}`);
  }
  if (params.api_key !== undefined && typeof params.api_key !== 'string') throw new InvalidRequestError('api_key must be a string');
}

export class SecureChatCompletion {
  readonly baseUrl: string;
  readonly #apiKey: string | undefined;
  readonly #allowHttp: boolean;
  readonly #timeout: number;
  readonly #maxRetries: number;
  readonly #fetch: typeof globalThis.fetch;
  readonly #logger: Logger;
  readonly #keys: KeyManager;
  readonly #serverKeys: ServerKeyCache;
  #disposed = false;

  constructor(options: SecureChatCompletionOptions = {}) {
    assertWebCrypto();
    this.#allowHttp = options.allowHttp === true;
    this.baseUrl = normalizeBaseUrl(options.baseUrl ?? readEnv('NOMYO_BASE_URL') ?? DEFAULT_BASE_URL, this.#allowHttp);
    const apiKey = 'apiKey' in options ? options.apiKey : readEnv('NOMYO_API_KEY');
    if (apiKey !== undefined && typeof apiKey !== 'string') throw new InvalidRequestError('apiKey must be a string');
    this.#apiKey = apiKey || undefined;
    this.#timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
    assertNonNegativeInteger('timeout', this.#timeout);
    this.#maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
    assertNonNegativeInteger('maxRetries', this.#maxRetries);
    if (options.keyDir !== undefined && !keyDirSupported) {
      throw new InvalidRequestError('keyDir is only supported in Node.js; in browsers keys are kept in memory only');
    }
    if (options.keyDir !== undefined && options.keyRotationInterval) {
      throw new InvalidRequestError('keyRotationInterval cannot be combined with keyDir: a keyDir key is long-lived by design');
    }
    const rotationInterval = options.keyDir !== undefined ? 0 : options.keyRotationInterval ?? DEFAULT_KEY_ROTATION_MS;
    assertNonNegativeInteger('keyRotationInterval', rotationInterval);
    let pin: string | undefined;
    try {
      pin = options.serverKeyFingerprint === undefined ? undefined : normalizeFingerprint(options.serverKeyFingerprint);
    } catch (cause) {
      throw new InvalidRequestError((cause as Error).message);
    }
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#logger = options.logger ?? silentLogger;
    this.#serverKeys = new ServerKeyCache(pin);
    // Key generation starts now, in the background, so the first request rarely waits for it.
    this.#keys = new KeyManager({
      keyDir: options.keyDir,
      keyPassword: options.keyPassword,
      rotationInterval,
      logger: this.#logger,
    });
    if (this.baseUrl.startsWith('http:')) console.warn(HTTP_WARNING);
  }

  /** Creates one chat completion. The request is sealed before it leaves this process. */
  async create(params: ChatCompletionCreateParams, options: RequestOptions = {}): Promise<ChatCompletion> {
    if (this.#disposed) throw new ClientDisposedError('The client was disposed; create a new SecureChatCompletion');
    validateParams(params);
    const { api_key: apiKeyOverride, security_tier: tier, base_url: baseUrlOverride, stream: _stream, ...request } = params;
    const baseUrl = baseUrlOverride === undefined ? this.baseUrl : normalizeBaseUrl(baseUrlOverride, this.#allowHttp);
    const timeout = options.timeout ?? this.#timeout;
    const maxRetries = options.maxRetries ?? this.#maxRetries;
    assertNonNegativeInteger('timeout', timeout);
    assertNonNegativeInteger('maxRetries', maxRetries);

    const plaintext = new TextEncoder().encode(serializeRequest(request));
    if (plaintext.length > MAX_PLAINTEXT_BYTES) {
      wipe(plaintext);
      throw new InvalidRequestError(`Request too large: ${plaintext.length} bytes (limit ${MAX_PLAINTEXT_BYTES})`);
    }
    const transport = { fetch: this.#fetch, timeout, maxRetries, signal: options.signal, logger: this.#logger };
    let body: string;
    let keyPair;
    try {
      const [serverKey, pair] = await Promise.all([this.#serverKeys.get(baseUrl, transport), this.#keys.current()]);
      keyPair = pair;
      body = serializeEnvelope(await seal(plaintext, serverKey.key));
    } finally {
      wipe(plaintext);
    }

    const requestId = crypto.randomUUID();
    const headers: Record<string, string> = {
      'Content-Type': ENVELOPE_CONTENT_TYPE,
      [HEADER_PAYLOAD_ID]: requestId,
      [HEADER_PUBLIC_KEY]: encodePublicKeyHeader(keyPair.publicKeyPem),
    };
    const apiKey = apiKeyOverride ?? this.#apiKey;
    if (apiKey) headers.Authorization = `Bearer ${apiKey}`;
    if (tier !== undefined) headers[HEADER_SECURITY_TIER] = tier;

    this.#logger.debug?.('sending sealed request', { requestId, bytes: body.length, tier });
    const response = await send({
      ...transport,
      url: baseUrl + PATH_SECURE_COMPLETION,
      method: 'POST',
      headers,
      body,
      requestId,
    });
    const completion = await openResponse(response.body, keyPair.privateKey, requestId);
    this.#logger.debug?.('response opened', { requestId, bytes: response.body.length });
    return completion;
  }

  /** Alias of `create()`, for code written to OpenAI's naming. */
  acreate(params: ChatCompletionCreateParams, options?: RequestOptions): Promise<ChatCompletion> {
    return this.create(params, options);
  }

  /** Replaces the in-memory key pair with the pre-generated one now, if it is ready. */
  rotateKeys(): boolean {
    return this.#keys.rotate();
  }

  /** Stops the rotation timer and drops all key material; later calls fail with ClientDisposedError. */
  dispose(): void {
    this.#disposed = true;
    this.#keys.dispose();
    this.#serverKeys.clear();
  }
}
