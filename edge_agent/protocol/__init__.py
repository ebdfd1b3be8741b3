"""Message shapes off and onto the wire: strict payloads, requests and answers, Hermes, reply rules, labels. Imports nothing else of edge_agent."""
