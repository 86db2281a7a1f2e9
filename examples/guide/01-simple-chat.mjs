import { SecureChatCompletion } from 'nomyo-js';
const client = new SecureChatCompletion({
  apiKey: process.env.NOMYO_API_KEY,
});
const response = await client.create({
  model: 'Qwen/Qwen3-0.6B',
  messages: [{ role: 'user', content: 'Hello! How are you today?' }],
  temperature: 0.7,
});
// Extract what you need, then let the response go out of scope promptly.
// This minimises the time decrypted data lives in process memory
// (reduces exposure from swap files, core dumps, or memory inspection).
const reply = response.choices[0].message.content;
console.log(reply);
client.dispose(); // (added: release the client)
