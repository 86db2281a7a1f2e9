import {
  SecureChatCompletion,
  AuthenticationError,
  RateLimitError,
  InvalidRequestError,
  ForbiddenError,
  ServerError,
  ServiceUnavailableError,
  APIConnectionError,
  SecurityError,
} from 'nomyo-js';
const client = new SecureChatCompletion({ apiKey: process.env.NOMYO_API_KEY });
try {
  const response = await client.create({
    model: 'Qwen/Qwen3-0.6B',
    messages: [{ role: 'user', content: 'Hello!' }],
  });
  console.log(response.choices[0].message.content);
} catch (err) {
  if (err instanceof AuthenticationError) {
    console.error('Bad API key:', err.message);
  } else if (err instanceof RateLimitError) {
    // The client already retried automatically (default: 2 retries).
    // If you reach here, all retries were exhausted.
    console.error('Rate limit exceeded after retries:', err.message);
  } else if (err instanceof ForbiddenError) {
    // Model not allowed for the requested security_tier
    console.error('Forbidden:', err.message);
  } else if (err instanceof InvalidRequestError) {
    console.error('Bad request:', err.message);
  } else if (err instanceof ServerError || err instanceof ServiceUnavailableError) {
    console.error('Server error (retries exhausted):', err.message);
  } else if (err instanceof APIConnectionError) {
    console.error('Network error (retries exhausted):', err.message);
  } else if (err instanceof SecurityError) {
    console.error('Encryption/decryption failure:', err.message);
  } else {
    throw err; // re-throw unexpected errors
  }
}
client.dispose(); // (added: release the client)
