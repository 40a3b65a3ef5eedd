"""Optional LLM summaries through any OpenAI-compatible endpoint (see `LLMSummarizer`)."""
