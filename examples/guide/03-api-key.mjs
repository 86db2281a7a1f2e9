import { SecureChatCompletion } from 'nomyo-js'; // (from the previous snippet)
// Constructor-level key (used for all requests from this instance)
const client = new SecureChatCompletion({
  apiKey: process.env.NOMYO_API_KEY,
});
// Per-request key override (takes precedence over constructor key)
const response = await client.create({
  model: 'Qwen/Qwen3-0.6B',
  messages: [{ role: 'user', content: 'Hello!' }],
  api_key: 'override-key-for-this-request',
});
console.log(response.choices[0].message.content); // (added: show the answer)
client.dispose(); // (added: release the client)
