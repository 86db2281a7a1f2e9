/**
 * The chat wrapper renders history with the GGUF's own Jinja chat template
 * (node-llama-cpp's auto-detected ChatML wrapper doubles SmolLM2's BOS token
 * and the model then writes garbage). When that template has no tool support,
 * as SmolLM2's has not, tools are described and called in the format SmolLM2
 * was fine-tuned on: a `<tools>` list in the system prompt and
 * `<tool_call>{"name": …, "arguments": …}</tool_call>` calls.
 */
import { JinjaTemplateChatWrapper, LlamaText, resolveChatWrapper } from 'node-llama-cpp';
import type { ChatModelFunctions, ChatWrapper, LlamaModel } from 'node-llama-cpp';

const CALL_TEMPLATE = {
  call: '<tool_call>\n{"name": "{{functionName}}", "arguments": {{functionParams}}}\n</tool_call>',
  result: '\n<tool_response>\n{{functionCallResult}}\n</tool_response>\n',
} as const;

/** The system text that lists the tools, in SmolLM2's fine-tuning format. */
export function describeTools(functions: ChatModelFunctions): string {
  const tools = Object.entries(functions).map(([name, fn]) => ({ name, description: fn.description ?? '', parameters: fn.params ?? {} }));
  return [
    'You are an expert in composing functions. You are given a question and a set of possible functions.',
    'Based on the question, you may make a function call to achieve the purpose.',
    '',
    'You have access to the following tools:',
    `<tools>${JSON.stringify(tools)}</tools>`,
    '',
    'To call a function, reply with exactly:',
    '<tool_call>',
    '{"name": "func_name", "arguments": {"argument1": "value1"}}',
    '</tool_call>',
  ].join('\n');
}

class SmolToolsJinjaChatWrapper extends JinjaTemplateChatWrapper {
  override generateAvailableFunctionsSystemText(functions: ChatModelFunctions): LlamaText {
    return Object.keys(functions).length === 0 ? LlamaText([]) : LlamaText(describeTools(functions));
  }
}

export function createChatWrapper(model: LlamaModel): ChatWrapper {
  const template = model.fileInfo.metadata?.tokenizer?.chat_template;
  if (typeof template !== 'string' || template === '') return resolveChatWrapper(model);
  if (/\btools\b/.test(template)) return new JinjaTemplateChatWrapper({ template, tokenizer: model.tokenizer });
  return new SmolToolsJinjaChatWrapper({ template, tokenizer: model.tokenizer, functionCallMessageTemplate: CALL_TEMPLATE });
}
