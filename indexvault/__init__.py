"""Index vault tooling."""
