"""The front doors that take requests: the MQTT router, Wyoming (HA Assist), HA MQTT discovery. May import once, inference, home, protocol and transport."""
