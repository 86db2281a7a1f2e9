/**
 * OpenAI chat messages → node-llama-cpp chat history, which the model's own
 * chat template then renders. system and developer become system messages;
 * an assistant's tool_calls become function calls whose results are the
 * matching `tool` messages, so the template's function-call format shows the
 * model what it called and what came back. The history ends with an empty
 * model turn for the answer.
 */
import type { ChatMessage } from 'nomyo-js';
import type { ChatHistoryItem, ChatModelFunctionCall, ChatModelResponse } from 'node-llama-cpp';
import { EngineError } from '../engine.js';

function invalid(message: string): never {
  throw new EngineError(400, message);
}

/** The text of a message's content: a string, or the text parts of a list joined. */
export function readText(content: ChatMessage['content'], index: number): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) invalid(`messages[${index}].content must be a string or a list of parts`);
  return content
    .map((part) => {
      if (part?.type !== 'text' || typeof part.text !== 'string') invalid(`messages[${index}] has a non-text part; the embedded model reads text only`);
      return part.text;
    })
    .join('');
}

function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function toModelTurn(message: ChatMessage, index: number, calls: Map<string, ChatModelFunctionCall>): ChatModelResponse {
  const response: ChatModelResponse['response'] = [];
  const text = readText(message.content, index);
  if (text !== '') response.push(text);
  const toolCalls: unknown = message.tool_calls ?? [];
  if (!Array.isArray(toolCalls)) invalid(`messages[${index}].tool_calls must be a list`);
  for (const call of toolCalls as NonNullable<ChatMessage['tool_calls']>) {
    if (call?.type !== 'function' || typeof call.function?.name !== 'string' || typeof call.id !== 'string') {
      invalid(`messages[${index}].tool_calls must be function calls with an id and a name`);
    }
    const item: ChatModelFunctionCall = { type: 'functionCall', name: call.function.name, params: parseArguments(typeof call.function.arguments === 'string' ? call.function.arguments : '{}'), result: '' };
    calls.set(call.id, item);
    response.push(item);
  }
  return { type: 'model', response };
}

export function toChatHistory(messages: unknown): ChatHistoryItem[] {
  if (!Array.isArray(messages) || messages.length === 0) invalid('messages must be a non-empty list');
  const history: ChatHistoryItem[] = [];
  const calls = new Map<string, ChatModelFunctionCall>();
  messages.forEach((message: ChatMessage, index) => {
    if (typeof message !== 'object' || message === null) invalid(`messages[${index}] must be an object`);
    switch (message.role) {
      case 'system':
      case 'developer':
        history.push({ type: 'system', text: readText(message.content, index) });
        break;
      case 'user':
        history.push({ type: 'user', text: readText(message.content, index) });
        break;
      case 'assistant':
        history.push(toModelTurn(message, index, calls));
        break;
      case 'tool': {
        const call = typeof message.tool_call_id === 'string' ? calls.get(message.tool_call_id) : undefined;
        if (call === undefined) invalid(`messages[${index}] answers a tool_call_id that no earlier assistant message made`);
        call.result = readText(message.content, index);
        break;
      }
      default:
        invalid(`messages[${index}].role must be system, developer, user, assistant or tool`);
    }
  });
  history.push({ type: 'model', response: [] });
  return history;
}
