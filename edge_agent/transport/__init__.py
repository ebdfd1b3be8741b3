"""The MQTT boundary: connections, session data (broker URL, session policy, hooks), the delivery watchdog. The only package that imports paho; imports nothing else of edge_agent."""
