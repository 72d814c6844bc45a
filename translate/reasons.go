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
// Unknown values map to end_turn. OpenAI does not say whether a stop
// sequence matched, so stop_sequence is never produced.
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
