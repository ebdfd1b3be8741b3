"""Exactly-once state: the request cache, the answer store across restarts, answers shared in a group, the executions log. May import protocol and transport."""
