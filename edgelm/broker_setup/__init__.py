"""`edgelm broker config`: a Mosquitto you can expose. One TLS listener, no anonymous access, a password
file or client certificates, and an ACL that gives each identity its role and nothing more."""
