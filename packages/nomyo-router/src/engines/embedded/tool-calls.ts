/**
 * What `tools` and `tool_choice` mean for the embedded model.
 *
 * - `none` (or no tools): the tools are not shown; the model answers in text.
 * - `required` or a named function ("forced"): the tools are described in the
 *   system prompt and the whole answer is constrained by a JSON-schema grammar
 *   to `{"name": <a listed tool>, "arguments": <that tool's parameters>}`, so
 *   the result always parses and names a listed tool. One call per answer.
 * - `auto`: node-llama-cpp function calling. The model writes freely; if it
 *   starts the template's call syntax (`<tool_call>`), the rest of the call is
 *   grammar-constrained to a listed tool and its parameters. Whether it calls
 *   is the model's choice: SmolLM2-135M almost always answers in text, so
 *   callers that need a call should use `required` or a named function.
 */
import type { ChatCompletionRequest, FunctionTool, ToolCall } from 'nomyo-js';
import type { ChatModelFunctions, GbnfJsonSchema } from 'node-llama-cpp';
import { EngineError } from '../engine.js';
import { toGrammarSchema } from './json-schema.js';

export type ToolPlan =
  | { mode: 'none' }
  | { mode: 'auto'; functions: ChatModelFunctions }
  | { mode: 'forced'; functions: ChatModelFunctions; schema: GbnfJsonSchema; names: Set<string> };

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const EMPTY_PARAMETERS: GbnfJsonSchema = { type: 'object', properties: {} };

function invalid(message: string): never {
  throw new EngineError(400, message);
}

function readTools(tools: unknown): FunctionTool[] {
  if (tools === undefined || tools === null) return [];
  if (!Array.isArray(tools)) invalid('tools must be a list');
  tools.forEach((tool: FunctionTool, index) => {
    if (tool?.type !== 'function' || typeof tool.function?.name !== 'string' || !NAME.test(tool.function.name)) {
      invalid(`tools[${index}] must be {type: "function", function: {name}} with a name of letters, digits, _ or - (at most 64)`);
    }
  });
  return tools;
}

function toFunctions(tools: FunctionTool[]): ChatModelFunctions {
  const functions: Record<string, ChatModelFunctions[string]> = {};
  tools.forEach((tool, index) => {
    const { name, description, parameters } = tool.function;
    const params = parameters === undefined ? EMPTY_PARAMETERS : toGrammarSchema(parameters, `tools[${index}].function.parameters`);
    functions[name] = { ...(typeof description === 'string' && description !== '' ? { description } : {}), params };
  });
  return functions;
}

/** The grammar schema of one call: `{"name": const, "arguments": params}` per tool, as alternatives. */
export function callSchema(functions: ChatModelFunctions): GbnfJsonSchema {
  const alternatives: GbnfJsonSchema[] = Object.entries(functions).map(([name, fn]) => ({
    type: 'object',
    properties: { name: { const: name }, arguments: fn.params ?? EMPTY_PARAMETERS },
    required: ['name', 'arguments'],
    additionalProperties: false,
  }));
  return alternatives.length === 1 ? alternatives[0]! : { oneOf: alternatives };
}

export function planTools(request: ChatCompletionRequest): ToolPlan {
  const tools = readTools(request.tools);
  const choice = request.tool_choice ?? 'auto';
  if (choice === 'none' || (tools.length === 0 && choice === 'auto')) return { mode: 'none' };
  if (tools.length === 0) invalid('tool_choice needs a non-empty tools list');
  if (choice === 'auto') return { mode: 'auto', functions: toFunctions(tools) };
  let chosen = tools;
  if (typeof choice === 'object' && choice !== null && choice.type === 'function' && typeof choice.function?.name === 'string') {
    chosen = tools.filter((tool) => tool.function.name === choice.function.name);
    if (chosen.length === 0) invalid('tool_choice names a function that is not in tools');
  } else if (choice !== 'required') {
    invalid('tool_choice must be "none", "auto", "required" or {type: "function", function: {name}}');
  }
  const functions = toFunctions(chosen);
  return { mode: 'forced', functions, schema: callSchema(functions), names: new Set(Object.keys(functions)) };
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `call_` and 24 random letters and digits, like OpenAI's ids. */
export function newToolCallId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return `call_${Array.from(bytes, (byte) => ID_ALPHABET[byte % ID_ALPHABET.length]).join('')}`;
}

export function toToolCall(name: string, args: unknown): ToolCall {
  return { id: newToolCallId(), type: 'function', function: { name, arguments: JSON.stringify(args ?? {}) } };
}

/**
 * Reads a grammar-constrained forced call. Returns undefined when the text is
 * not a whole call (the answer ran out of tokens mid-call).
 */
export function readForcedCall(text: string, names: Set<string>): ToolCall | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const call = value as { name?: unknown; arguments?: unknown } | null;
  if (typeof call !== 'object' || call === null || typeof call.name !== 'string' || !names.has(call.name)) return undefined;
  return toToolCall(call.name, call.arguments);
}
