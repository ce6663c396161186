"""The self-hosted transport: an SSE server fed by Redis pub/sub."""
