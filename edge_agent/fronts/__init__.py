"""The front doors that take requests: the MQTT router, Wyoming (HA Assist), HA MQTT discovery. May import once and everything below it."""
