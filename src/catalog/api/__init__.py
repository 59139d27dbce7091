"""The HTTP face of a node: thin routers over the domain's service functions."""
