"""The newcomer's assistant: a conversation (place, question, clarifying questions, answer)."""
