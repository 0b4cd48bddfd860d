"""Tests of the example service in examples/service (docs/tutorial.md walks through it)."""
