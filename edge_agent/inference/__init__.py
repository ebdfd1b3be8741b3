"""Serving the model: bundles and their signatures, runtimes, classify/generate, the model registry, jobs and the worker. May import home, protocol and transport."""
