"""Over-the-air model updates: a bundle arrives in chunks on `<prefix>/ID/deploy`, is staged and verified
under `state_dir/models/`, swapped in between two batches, watched by a health gate, and rolled back
when it fails. Reaches the agent only through its DeployPort; may import inference, protocol and transport."""
