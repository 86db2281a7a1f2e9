// Compile-only: what the public types accept and refuse (checked by test/types.test.mjs).
import {
  APIError,
  SecureChatCompletion,
  SecurityError,
  type ChatCompletion,
  type SecureChatCompletionOptions,
} from 'nomyo-js';

const options: SecureChatCompletionOptions = { baseUrl: 'https://api.nomyo.ai', maxRetries: 1, timeout: 30_000 };
const client = new SecureChatCompletion(options);
const response: ChatCompletion = await client.create(
  { model: 'm', messages: [{ role: 'user', content: 'hi' }], security_tier: 'high', seed: 1, custom_param: true },
  { signal: AbortSignal.timeout(1000), maxRetries: 0 },
);
const content: string | null = response.choices[0]!.message.content;
const payloadId: string = response._metadata.payload_id;
const status: number | undefined = new APIError('x').statusCode;
const reason: string = new SecurityError('x').code;
void [content, payloadId, status, reason];

// @ts-expect-error not a security tier
await client.create({ model: 'm', messages: [], security_tier: 'ultra' });
// @ts-expect-error messages are required
await client.create({ model: 'm' });
// @ts-expect-error the second argument is per-request options, not parameters
await client.create({ model: 'm', messages: [] }, { temperature: 1 });
// @ts-expect-error maxRetries is a number
new SecureChatCompletion({ maxRetries: 'two' });
