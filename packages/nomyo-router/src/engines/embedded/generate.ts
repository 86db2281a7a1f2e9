/**
 * One chat completion on a loaded model's context sequence: request →
 * history, grammar and sampling → LlamaChat → an OpenAI chat.completion with
 * real token counts. The caller holds the sequence's turn in the queue.
 */
import { randomUUID } from 'node:crypto';
import { LlamaChat } from 'node-llama-cpp';
import type { ChatHistoryItem, ChatModelFunctions, ChatWrapper, GbnfJsonSchema, Llama, LlamaChatResponse, LlamaContextSequence, LlamaGrammar, LlamaModel } from 'node-llama-cpp';
import type { ChatCompletionRequest, ToolCall } from 'nomyo-js';
import { EngineError, type EngineCompletion } from '../engine.js';
import { toGrammarSchema } from './json-schema.js';
import { toChatHistory } from './messages.js';
import { budgetTokens, readSampling } from './sampling.js';
import { planTools, readForcedCall, toToolCall, type ToolPlan } from './tool-calls.js';

export interface Loaded {
  llama: Llama;
  model: LlamaModel;
  sequence: LlamaContextSequence;
  wrapper: ChatWrapper;
  contextSize: number;
  defaultMaxTokens: number;
}

/** Everything checked before the request waits for its turn, so a bad request fails at once. */
export interface Prepared {
  request: ChatCompletionRequest;
  history: ChatHistoryItem[];
  sampling: ReturnType<typeof readSampling>;
  tools: ToolPlan;
  /** A JSON schema for response_format, or 'object' for json_object. */
  json: ReturnType<typeof toGrammarSchema> | 'object' | undefined;
}

const JSON_OBJECT: GbnfJsonSchema = { type: 'object', additionalProperties: true };

export interface GenerateHooks {
  signal: AbortSignal;
  /** Called as each token is decoded, with how many (the benchmark's time-to-first-token and decode rate). */
  onTokens?: ((count: number) => void) | undefined;
  /** Called with each piece of answer text once released (text that may begin a stop sequence is held back). */
  onTextChunk?: ((text: string) => void) | undefined;
}

function readResponseFormat(request: ChatCompletionRequest): Prepared['json'] {
  const format = request.response_format;
  if (format === undefined || format === null || format.type === 'text') return undefined;
  if (format.type === 'json_object') return 'object';
  if (format.type === 'json_schema') return toGrammarSchema(format.json_schema?.schema ?? {}, 'response_format.json_schema.schema');
  throw new EngineError(400, 'response_format.type must be text, json_object or json_schema');
}

export function prepare(request: ChatCompletionRequest): Prepared {
  const prepared: Prepared = { request, history: toChatHistory(request.messages), sampling: readSampling(request), tools: planTools(request), json: readResponseFormat(request) };
  if (prepared.json !== undefined && prepared.tools.mode === 'auto') {
    throw new EngineError(400, 'response_format with tool_choice "auto" is not supported by the embedded engine; use "none", "required" or a named function');
  }
  return prepared;
}

async function grammarFor(llama: Llama, prepared: Prepared): Promise<LlamaGrammar | undefined> {
  const schema = prepared.tools.mode === 'forced' ? prepared.tools.schema : prepared.json === 'object' ? JSON_OBJECT : prepared.json;
  // An explicit type argument: the schema is built at run time, so there is no literal type to infer.
  return schema === undefined ? undefined : llama.createGrammarForJsonSchema<GbnfJsonSchema>(schema);
}

function countPromptTokens(loaded: Loaded, history: ChatHistoryItem[], functions: ChatModelFunctions | undefined): number {
  const state = loaded.wrapper.generateContextState({ chatHistory: history, availableFunctions: functions, documentFunctionParams: true });
  return state.contextText.tokenize(loaded.model.tokenizer).length;
}

type StopReason = 'eogToken' | 'stopGenerationTrigger' | 'customStopTrigger' | 'functionCalls' | 'maxTokens' | 'abort';

function finishReason(stopReason: StopReason | undefined): string {
  if (stopReason === 'maxTokens') return 'length';
  if (stopReason === 'functionCalls') return 'tool_calls';
  return 'stop';
}

/** The answer's content, tool calls and finish_reason from LlamaChat's result. */
function readAnswer(result: LlamaChatResponse<ChatModelFunctions> | LlamaChatResponse, tools: ToolPlan): { content: string | null; toolCalls: ToolCall[]; finish: string } {
  const stopReason = result.metadata.stopReason as StopReason;
  if (tools.mode === 'forced') {
    const call = stopReason === 'maxTokens' ? undefined : readForcedCall(result.response, tools.names);
    return call ? { content: null, toolCalls: [call], finish: 'tool_calls' } : { content: result.response, toolCalls: [], finish: finishReason(stopReason) };
  }
  const calls: LlamaChatResponse<ChatModelFunctions>['functionCalls'] = result.functionCalls;
  const toolCalls = (calls ?? []).map((call) => toToolCall(call.functionName, call.params));
  if (toolCalls.length === 0) return { content: result.response, toolCalls, finish: finishReason(stopReason) };
  return { content: result.response.trim() === '' ? null : result.response, toolCalls, finish: 'tool_calls' };
}

export async function generate(loaded: Loaded, prepared: Prepared, hooks: GenerateHooks): Promise<EngineCompletion> {
  const { tools, sampling } = prepared;
  const history = tools.mode === 'forced' ? [...loaded.wrapper.addAvailableFunctionsSystemMessageToHistory(prepared.history, tools.functions)] : prepared.history;
  const functions = tools.mode === 'auto' ? tools.functions : undefined;
  const promptTokens = countPromptTokens(loaded, history, functions);
  const maxTokens = budgetTokens(sampling.maxTokens, loaded.defaultMaxTokens, promptTokens, loaded.contextSize);
  const grammar = await grammarFor(loaded.llama, prepared);
  let completionTokens = 0;
  const chat = new LlamaChat({ contextSequence: loaded.sequence, chatWrapper: loaded.wrapper, autoDisposeSequence: false });
  try {
    const common = {
      signal: hooks.signal,
      stopOnAbortSignal: false,
      maxTokens,
      temperature: sampling.temperature,
      topP: sampling.topP,
      ...(sampling.seed !== undefined ? { seed: sampling.seed } : {}),
      ...(sampling.repeatPenalty ? { repeatPenalty: sampling.repeatPenalty } : {}),
      customStopTriggers: sampling.stop,
      onToken: (tokens: readonly unknown[]) => {
        completionTokens += tokens.length;
        hooks.onTokens?.(tokens.length);
      },
      ...(hooks.onTextChunk ? { onTextChunk: hooks.onTextChunk } : {}),
    };
    const result: LlamaChatResponse<ChatModelFunctions> | LlamaChatResponse = functions
      ? await chat.generateResponse(history, { ...common, functions, documentFunctionParams: true, maxParallelFunctionCalls: 1 })
      : await chat.generateResponse(history, { ...common, ...(grammar ? { grammar } : {}) });
    const { content, toolCalls, finish } = readAnswer(result, tools);
    return {
      id: `chatcmpl-${randomUUID().replaceAll('-', '')}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: prepared.request.model,
      choices: [{ index: 0, message: { role: 'assistant', content, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) }, finish_reason: finish, logprobs: null }],
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    };
  } finally {
    chat.dispose({ disposeSequence: false });
  }
}
