"""The steps of a digest run, one module per step, beside the runtime and the ledger.

A step takes the `Runtime` (settings plus their connections), asks the domain code (catalog, pdf, analysis,
interests, publish, delivery) for the work with explicit collaborators (a store, a chat model, an HTTP client,
plain values) and records the step in the store. The Prefect tasks (tasks/) call these functions; the domain
folders never import this package, the runtime or the settings module (tests/test_architecture.py).
"""
