import { SecureChatCompletion } from 'nomyo-js'; // (from the previous snippet)
const client = new SecureChatCompletion({ apiKey: process.env.NOMYO_API_KEY }); // (from the previous snippet)
const response = await client.create({
  model: 'Qwen/Qwen3-0.6B',
  messages: [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: 'What is the capital of France?' },
  ],
  temperature: 0.7,
});
console.log(response.choices[0].message.content);
client.dispose(); // (added: release the client)
