"""Scanners for the Python ecosystem: manifests, lockfiles, installed environments."""
