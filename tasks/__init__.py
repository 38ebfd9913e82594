"""One module per pipeline step: pure functions first, thin Prefect @task wrappers at the bottom."""
