"""One view model per screen: labels, order, caps, truncation and marks decided once for every output."""
