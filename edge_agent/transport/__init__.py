"""The MQTT boundary: connections, session data, the delivery watchdog. The only package that imports paho; imports nothing else of edge_agent."""
