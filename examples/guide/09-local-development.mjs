import { SecureChatCompletion } from 'nomyo-js'; // (from the previous snippet)
const client = new SecureChatCompletion({
  baseUrl: 'http://localhost:12435',
  allowHttp: true, // required; prints a security warning
});
const response = await client.create({ model: 'Qwen/Qwen3-0.6B', messages: [{ role: 'user', content: 'Hello!' }] }); // (added: use it)
console.log(response.choices[0].message.content); // (added: show the answer)
client.dispose(); // (added: release the client)
