"""Benchmarks for the speed bars of the product contract (see README.md)."""
