"""Collecting spans: the one span processor, blocks, provider set-up, context propagation, flushing."""
