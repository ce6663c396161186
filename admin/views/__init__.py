"""Request handlers, one module per page."""
