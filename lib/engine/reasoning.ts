/**
 * Keep reasoning traces apart from the answer. Endpoints return them either in
 * a separate field (`reasoning_content`, vLLM/SGLang; `reasoning`, some
 * gateways) or inline as `<think>…</think>`. Scoring only ever sees the answer,
 * as NeMo Evaluator's reasoning interceptor does (`end_reasoning_token`,
 * default `</think>`: everything up to and including it is reasoning).
 */
export interface SplitResponse {
  answer: string;
  reasoning: string | null;
  /** True when a reasoning block was opened but never closed (ran out of tokens while thinking). */
  reasoning_unfinished: boolean;
}

export function splitReasoning(
  content: string,
  reasoningField: string | null | undefined,
  endToken = '</think>',
  startToken = '<think>',
): SplitResponse {
  if (reasoningField) {
    return { answer: content.trim(), reasoning: reasoningField, reasoning_unfinished: false };
  }
  const end = content.lastIndexOf(endToken);
  if (end >= 0) {
    let reasoning = content.slice(0, end);
    const start = reasoning.indexOf(startToken);
    if (start >= 0) reasoning = reasoning.slice(start + startToken.length);
    return { answer: content.slice(end + endToken.length).trim(), reasoning: reasoning.trim(), reasoning_unfinished: false };
  }
  if (content.trimStart().startsWith(startToken)) {
    // The model never closed its reasoning: there is no final answer to score.
    return {
      answer: '',
      reasoning: content.trimStart().slice(startToken.length).trim(),
      reasoning_unfinished: true,
    };
  }
  return { answer: content.trim(), reasoning: null, reasoning_unfinished: false };
}
