"""Simulated people for the demo, the tests and the benchmarks: customers and a second operator.

They are protocol clients like any other: nothing here is server code, and the server imports
none of it.
"""
