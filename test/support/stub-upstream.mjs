// A real OpenAI-compatible HTTP server on loopback that answers deterministically,
// standing in for Ollama / llama.cpp / vLLM behind the router.
//
//   content      = "echo: " + the text of the last user message
//   tools        = when `tools` is present and tool_choice !== 'none': finish_reason
//                  "tool_calls", one call to the named tool (tool_choice object) or the
//                  first tool; every required string property is filled with the last
//                  word of the last user message, punctuation stripped
//   max_tokens   = truncates the content to that many words, finish_reason "length"
//   usage        = word counts, always positive integers
//
// `script([{ status, body?, headers?, delayMs?, destroy? }])` queues the next answers;
// a queued 200 without a body answers normally after `delayMs`. `destroy: true`
// drops the connection without answering.
import { createServer } from 'node:http';

const COMPLETIONS_PATH = '/v1/chat/completions';

function textOf(content) {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((part) => (typeof part?.text === 'string' ? part.text : '')).join(' ');
  return '';
}

function wordsOf(text) {
  return text.split(/\s+/).filter(Boolean);
}

function lastUserText(messages) {
  const lastUser = [...messages].reverse().find((m) => m?.role === 'user');
  return lastUser ? textOf(lastUser.content) : '';
}

function toolCallFor(request, lastWord, sequence) {
  const tools = request.tools;
  const choice = request.tool_choice;
  const name = typeof choice === 'object' && choice?.function?.name ? choice.function.name : tools[0]?.function?.name;
  const tool = tools.find((t) => t?.function?.name === name) ?? tools[0];
  const parameters = tool?.function?.parameters ?? {};
  const args = {};
  for (const property of parameters.required ?? []) {
    if (parameters.properties?.[property]?.type === 'string') args[property] = lastWord;
  }
  return { id: `call_stub_${sequence}`, type: 'function', function: { name, arguments: JSON.stringify(args) } };
}

/** The deterministic chat.completion for a request (exported so tests can compute expectations). */
export function stubCompletion(request, sequence = 1) {
  const messages = Array.isArray(request.messages) ? request.messages : [];
  const userText = lastUserText(messages);
  const promptTokens = Math.max(1, messages.reduce((n, m) => n + wordsOf(textOf(m?.content)).length, 0));
  const message = { role: 'assistant', content: null };
  let finishReason = 'stop';
  let completionTokens = 1;
  const wantsTool = Array.isArray(request.tools) && request.tools.length > 0 && request.tool_choice !== 'none';
  if (wantsTool) {
    const lastWord = (wordsOf(userText).at(-1) ?? '').replace(/[^\p{L}\p{N}_-]/gu, '');
    message.tool_calls = [toolCallFor(request, lastWord, sequence)];
    finishReason = 'tool_calls';
  } else {
    let words = wordsOf(`echo: ${userText}`);
    const limit = request.max_tokens ?? request.max_completion_tokens;
    if (Number.isInteger(limit) && limit > 0 && words.length > limit) {
      words = words.slice(0, limit);
      finishReason = 'length';
    }
    message.content = finishReason === 'length' ? words.join(' ') : `echo: ${userText}`;
    completionTokens = Math.max(1, words.length);
  }
  return {
    id: `chatcmpl-stub-${sequence}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: request.model,
    choices: [{ index: 0, message, finish_reason: finishReason }],
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  };
}

function send(res, status, body, headers = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

export async function startStubUpstream() {
  const calls = [];
  const callHeaders = [];
  let queue = [];
  let sequence = 0;

  const server = createServer((req, res) => {
    answer(req, res).catch(() => res.destroy());
  });

  async function answer(req, res) {
    if (req.method !== 'POST' || req.url !== COMPLETIONS_PATH) {
      send(res, 404, { error: { message: 'not found' } });
      return;
    }
    let request;
    try {
      request = await readJson(req);
    } catch {
      send(res, 400, { error: { message: 'invalid JSON' } });
      return;
    }
    calls.push(request);
    callHeaders.push(req.headers);
    sequence += 1;
    const scripted = queue.shift();
    if (scripted?.delayMs) await new Promise((resolve) => setTimeout(resolve, scripted.delayMs));
    if (res.destroyed) return;
    if (scripted?.destroy) {
      req.socket.destroy();
      return;
    }
    if (scripted && (scripted.status !== 200 || scripted.body !== undefined)) {
      send(res, scripted.status, scripted.body ?? { error: { message: `scripted ${scripted.status}` } }, scripted.headers);
      return;
    }
    if (typeof request?.model !== 'string' || !Array.isArray(request?.messages)) {
      send(res, 400, { error: { message: 'model and messages are required' } });
      return;
    }
    send(res, 200, stubCompletion(request, sequence), scripted?.headers);
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();

  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    calls,
    /** Request headers of each call, parallel to `calls`. */
    callHeaders,
    script(responses) {
      queue.push(...responses);
    },
    reset() {
      calls.length = 0;
      callHeaders.length = 0;
      queue = [];
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
