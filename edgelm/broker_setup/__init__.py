"""`edgelm broker config`: a Mosquitto you can expose. One TLS listener, no anonymous access, passwords
or client certificates, and access rules (Mosquitto's dynamic-security plugin) that give each identity its
role and nothing more; `edgelm broker migrate` moves a directory written before the plugin."""
