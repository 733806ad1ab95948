"""Plain data every layer above reads: span records and snapshots of a block."""
