/** OpenAI-compatible chat completion types (the subset NOMYO endpoints speak), plus NOMYO's additions. */
import type { SecurityTier } from './protocol/tiers.js';

export type ChatRole = 'system' | 'user' | 'assistant' | 'tool' | 'developer';

export interface ChatContentPart {
  type: string;
  text?: string;
  [key: string]: unknown;
}

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatMessage {
  role: ChatRole;
  content: string | ChatContentPart[] | null;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  [key: string]: unknown;
}

export interface FunctionTool {
  type: 'function';
  function: {
    name: string;
    description?: string;
    parameters?: Record<string, unknown>;
    strict?: boolean;
  };
}

export type ToolChoice = 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; json_schema: { name: string; schema?: Record<string, unknown>; strict?: boolean; description?: string } };

/** The chat request that is sealed into the envelope. Unknown OpenAI parameters pass through untouched. */
export interface ChatCompletionRequest {
  model: string;
  messages: ChatMessage[];
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  n?: number;
  stop?: string | string[];
  seed?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  logit_bias?: Record<string, number>;
  user?: string;
  tools?: FunctionTool[];
  tool_choice?: ToolChoice;
  response_format?: ResponseFormat;
  /** Ignored: encrypted responses are always whole. */
  stream?: boolean;
  [key: string]: unknown;
}

/** `create()` parameters: the request plus the client-side options that never enter the payload. */
export interface ChatCompletionCreateParams extends ChatCompletionRequest {
  /** Overrides the constructor's `apiKey` for this request; sent only as `Authorization: Bearer`. */
  api_key?: string;
  /** Sent as the `X-Security-Tier` header. */
  security_tier?: SecurityTier;
  /** Sends this request to another endpoint (same rules as the constructor's `baseUrl`). */
  base_url?: string;
}

export interface AssistantMessage {
  role: 'assistant';
  content: string | null;
  tool_calls?: ToolCall[];
  reasoning_content?: string;
  [key: string]: unknown;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | (string & {});

export interface ChatCompletionChoice {
  index: number;
  message: AssistantMessage;
  finish_reason: FinishReason;
  logprobs?: unknown;
}

export interface CompletionUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface ResponseMetadata {
  payload_id: string;
  processed_at?: number;
  is_encrypted: true;
  encryption_algorithm?: string;
  response_status?: string;
  security_tier?: SecurityTier | string;
  [key: string]: unknown;
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: ChatCompletionChoice[];
  usage?: CompletionUsage;
  system_fingerprint?: string;
  _metadata: ResponseMetadata;
  [key: string]: unknown;
}
