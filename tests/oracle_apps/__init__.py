"""Apps written once and built on two frameworks (FastAPI as the oracle, and asgiweb)."""
