"""The session: finished blocks remembered, the last trace, runs compared by number or name."""
