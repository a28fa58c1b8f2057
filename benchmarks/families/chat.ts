/** The request messages most single-call benchmarks send: the config's system prompt, if any, then the user message. */
import type { ChatMessage, PromptOptions } from '../types';

export function chatPrompt(options: PromptOptions, user: string): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (options.systemPrompt) messages.push({ role: 'system', content: options.systemPrompt });
  messages.push({ role: 'user', content: user });
  return messages;
}
