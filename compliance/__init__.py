"""compliance: SBOM and license compliance for AI-infrastructure repositories."""

__version__ = "0.1.0"
