import { SecureChatCompletion } from 'nomyo-js'; // (from the previous snippet)
const client = new SecureChatCompletion({ apiKey: process.env.NOMYO_API_KEY });
try {
  // (the guide writes `{ ... }` here; a concrete request stands in for it)
  const response = await client.create({ model: 'Qwen/Qwen3-0.6B', messages: [{ role: 'user', content: 'Hello!' }] });
  console.log(response.choices[0].message.content);
} finally {
  client.dispose();
}
