"""License intelligence: declared license strings, classifiers and texts to SPDX expressions."""
