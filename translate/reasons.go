package translate

// finishReason maps an Anthropic stop_reason to an OpenAI finish_reason:
//
//	end_turn, stop_sequence, pause_turn      → stop
//	max_tokens, model_context_window_exceeded → length
//	tool_use                                  → tool_calls
//	refusal                                   → content_filter
//
// Unknown values map to stop. pause_turn (a server-tool loop paused) has no
// OpenAI equivalent; the turn simply ends.
func finishReason(stopReason string) string {
	switch stopReason {
	case "max_tokens", "model_context_window_exceeded":
		return "length"
	case "tool_use":
		return "tool_calls"
	case "refusal":
		return "content_filter"
	}
	return "stop"
}

// stopReason maps an OpenAI finish_reason to an Anthropic stop_reason:
//
//	stop                        → end_turn
//	length                      → max_tokens
//	tool_calls, function_call   → tool_use
//	content_filter              → refusal
//
// Unknown values map to end_turn (tool_use for an answer with tool calls:
// see withTools). OpenAI does not say whether a stop sequence matched, so
// stop_sequence is never produced.
func stopReason(finishReason string) string {
	switch finishReason {
	case "length":
		return "max_tokens"
	case "tool_calls", "function_call":
		return "tool_use"
	case "content_filter":
		return "refusal"
	}
	return "end_turn"
}

// withTools corrects the Anthropic stop_reason of a translated OpenAI
// answer that carries tool calls: end_turn becomes tool_use. OpenAI answers
// a call forced by a named tool_choice with finish_reason "stop" (and some
// OpenAI-compatible servers always do), while Anthropic ends every turn
// that calls a tool with tool_use, which agent loops wait for to run the
// tools. Other reasons (max_tokens, refusal) are kept.
func withTools(stopReason string, toolCalls bool) string {
	if toolCalls && stopReason == "end_turn" {
		return "tool_use"
	}
	return stopReason
}
