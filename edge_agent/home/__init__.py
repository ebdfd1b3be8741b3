"""The home's names: areas, floors and device names and their file, slot decoding and snapping, spans, numbers, HA's slot schema. Imports nothing else of edge_agent."""
