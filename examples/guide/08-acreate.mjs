import { SecureChatCompletion } from 'nomyo-js'; // (from the previous snippet)
const client = new SecureChatCompletion({ apiKey: process.env.NOMYO_API_KEY }); // (from the previous snippet)
const response = await client.acreate({
  model: 'Qwen/Qwen3-0.6B',
  messages: [{ role: 'user', content: 'Hello!' }],
});
console.log(response.choices[0].message.content); // (added: show the answer)
client.dispose(); // (added: release the client)
