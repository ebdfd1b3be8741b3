"""Exactly-once state: the request cache, the answer store across restarts, answers shared in a group. May import inference, home, protocol and transport."""
