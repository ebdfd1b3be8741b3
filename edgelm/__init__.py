"""The `edgelm` command: a thin click layer over converter, edge_agent and devices."""
