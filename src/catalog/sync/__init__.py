"""The federation: change feed, push to the parent, ingest from children, reconciliation."""
