"""A manufacturer's and supplier's work with batches: reading a serial list (every bad line
reported), commissioning a batch from it (its Merkle tree kept, its documents stored), label
sheets, and the shipments the organization sends and receives."""
