"""Pure figures over a snapshot: token vocabularies, summary, cost, timing, critical path, comparison."""
